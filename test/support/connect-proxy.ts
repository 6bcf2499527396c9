import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

/** What the proxy was asked: the CONNECT target (`host:port`) and the request's headers. */
export interface ProxiedConnect {
  target: string;
  headers: IncomingHttpHeaders;
}

export interface ConnectProxy {
  url: string;
  connects: ProxiedConnect[];
  /** Requests in absolute form (non-tunnelled), which hookrelay should never send. */
  plainRequests: string[];
  close(): Promise<void>;
}

/**
 * A tiny real forward proxy on loopback, as an egress proxy (Squid, smokescreen…) behaves for
 * CONNECT: it records what it was asked and tunnels bytes. `routeTo` sends every tunnel to one
 * local port whatever the target, standing in for the internet; `refuseWith` answers every
 * CONNECT with that status instead.
 */
export async function startConnectProxy(opts: { routeTo?: number; refuseWith?: number } = {}): Promise<ConnectProxy> {
  const connects: ProxiedConnect[] = [];
  const plainRequests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    plainRequests.push(`${req.method} ${req.url}`);
    res.writeHead(400).end("this proxy only tunnels");
  });
  server.on("connect", (req, client: Socket, head: Buffer) => {
    sockets.add(client);
    const target = req.url ?? "";
    connects.push({ target, headers: req.headers });
    if (opts.refuseWith) {
      client.end(`HTTP/1.1 ${opts.refuseWith} Refused\r\n\r\n`);
      return;
    }
    const colon = target.lastIndexOf(":");
    const host = target.slice(0, colon).replace(/^\[|\]$/g, "");
    const port = opts.routeTo ?? Number(target.slice(colon + 1));
    const upstream = connect(port, opts.routeTo ? "127.0.0.1" : host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    plainRequests,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
