import { once } from "node:events";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

/**
 * A TCP proxy on a free loopback port that forwards to `host:port` and can be cut: a test's own
 * path to a server that other test files share, so it can take that server away from its app
 * alone.
 * - `cut()`: a server that went away. Every open connection is reset (both ends see it at
 *   once) and, until `restore()`, each new one is reset as soon as it is accepted.
 * - `hang()`: a dead link that sends no reset, the realistic case. Connections stay open and
 *   new ones are accepted, but no byte goes either way until `restore()`, which delivers what
 *   was held back, as TCP's retransmissions would.
 */
export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string;
  cut(): void;
  hang(): void;
  restore(): void;
  /** Connections accepted so far, and how many of them were reset by a cut. */
  stats(): { accepted: number; reset: number };
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket;
  /** Bytes held back while hung, in order, with the socket each is for. */
  held: { to: Socket; chunk: Buffer }[];
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const links = new Set<Link>();
  let state: "open" | "cut" | "hung" = "open";
  let accepted = 0;
  let reset = 0;

  const forward = (link: Link, from: Socket, to: Socket) =>
    from.on("data", (chunk: Buffer) => {
      if (state === "hung") link.held.push({ to, chunk });
      else to.write(chunk);
    });

  const server = createServer((client) => {
    accepted++;
    if (state === "cut") {
      reset++;
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client, upstream: connect(target.port, target.host), held: [] };
    links.add(link);
    forward(link, client, link.upstream);
    forward(link, link.upstream, client);
    // Either end failing takes the other down with it, as a broken link would.
    for (const [socket, other] of [
      [client, link.upstream],
      [link.upstream, client],
    ] as const) {
      socket.on("error", () => other.destroy());
      socket.on("close", () => {
        other.destroy();
        links.delete(link);
      });
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    port,
    url(url) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    cut() {
      state = "cut";
      for (const link of links) {
        reset++;
        link.client.resetAndDestroy();
        link.upstream.resetAndDestroy();
      }
      links.clear();
    },
    hang() {
      state = "hung";
    },
    restore() {
      state = "open";
      for (const link of links) {
        for (const { to, chunk } of link.held.splice(0)) if (!to.destroyed) to.write(chunk);
      }
    },
    stats: () => ({ accepted, reset }),
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The host and port a URL (postgres://, redis://) points at. */
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: u.port ? Number(u.port) : defaultPort };
}
