import { once } from "node:events";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Issued } from "./pki";

/** A request as an https receiver saw it, with the client certificate it was shown (if any). */
export interface TlsRequest {
  method: string;
  url: URL;
  /** The CN of the client certificate the connection presented; null without one. */
  clientCn: string | null;
}

export interface TlsReceiver {
  url: string;
  port: number;
  requests: TlsRequest[];
  /** TLS handshakes the server refused (no or an untrusted client certificate, say). */
  tlsErrors: string[];
  close(): Promise<void>;
}

/**
 * A real https server on loopback with `server` as its certificate. With `clientCa` it demands
 * a client certificate issued by that CA (requestCert + rejectUnauthorized), as a receiver
 * behind mutual TLS does. It answers the Meta handshake for `token` and 200 to every POST.
 */
export async function startTlsReceiver(server: Issued, token: string, opts: { clientCa?: Issued } = {}): Promise<TlsReceiver> {
  const requests: TlsRequest[] = [];
  const tlsErrors: string[] = [];
  const https = createServer(
    {
      cert: server.cert,
      key: server.key,
      ...(opts.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: opts.clientCa.cert } : {}),
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const url = new URL(req.url ?? "/", "https://receiver");
      requests.push({ method: req.method ?? "", url, clientCn: peer && peer.subject ? String(peer.subject.CN) : null });
      req.resume();
      req.on("end", () => {
        const q = url.searchParams;
        if (req.method === "POST") return void res.writeHead(200).end("ok");
        if (q.get("hub.mode") === "subscribe" && q.get("hub.verify_token") === token) return void res.writeHead(200).end(q.get("hub.challenge") ?? "");
        res.writeHead(403).end("Forbidden: verify token mismatch");
      });
    },
  );
  https.on("tlsClientError", (err) => tlsErrors.push((err as NodeJS.ErrnoException).code ?? err.message));
  https.listen(0, "127.0.0.1");
  await once(https, "listening");
  const { port } = https.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/hook`,
    port,
    requests,
    tlsErrors,
    async close() {
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    },
  };
}
