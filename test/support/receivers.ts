import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What a receiver saw: enough to assert on method, query, headers and exact body bytes. */
export interface RecordedRequest {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: Buffer;
  /** Arrival time (ms since epoch). */
  at: number;
}

export type Respond = (req: RecordedRequest, res: ServerResponse) => void;

export interface Receiver {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on a free loopback port, answering as `respond` says. */
export async function startReceiver(respond: Respond, path = "/hook"): Promise<Receiver> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        url: new URL(req.url ?? "/", "http://receiver"),
        headers: req.headers,
        body: Buffer.concat(chunks),
        at: Date.now(),
      };
      requests.push(recorded);
      respond(recorded, res);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers the Meta/Orki handshake the way the seed's receivers do: check the token, echo. */
export function echoChallenge(expectedToken: string): Respond {
  return (req, res) => {
    const q = req.url.searchParams;
    if (q.get("hub.mode") === "subscribe" && q.get("hub.verify_token") === expectedToken) {
      res.writeHead(200, { "content-type": "text/plain" }).end(q.get("hub.challenge") ?? "");
    } else {
      res.writeHead(403, { "content-type": "text/plain" }).end("Forbidden: verify token mismatch");
    }
  };
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The X-Hub-Signature-256 a receiver expects for these raw bytes, computed independently. */
export function expectedHubSignature(body: Buffer, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface WebhookReceiver extends Receiver {
  /** Only the POSTed deliveries, in arrival order. */
  deliveries: RecordedRequest[];
  /** How the next POSTs are answered; 200 "ok" until changed. */
  respond: Respond;
}

/**
 * A customer's endpoint: answers the Meta/Orki handshake for `token`, records every POST and
 * answers it as `respond` currently says (tests swap it to make the endpoint fail or recover).
 */
export async function startWebhookReceiver(token: string, path = "/hook"): Promise<WebhookReceiver> {
  const deliveries: RecordedRequest[] = [];
  const handshake = echoChallenge(token);
  const state: { respond: Respond } = { respond: (_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok") };
  const receiver = await startReceiver((req, res) => {
    if (req.method === "GET") return handshake(req, res);
    deliveries.push(req);
    state.respond(req, res);
  }, path);
  return {
    ...receiver,
    deliveries,
    get respond() {
      return state.respond;
    },
    set respond(r: Respond) {
      state.respond = r;
    },
  };
}
