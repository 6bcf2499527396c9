import { Agent, request } from "undici";
import { createGuardedConnector } from "../egress/connector";
import { systemResolve, type EgressGuard, type ResolveHost } from "../egress/guarded-lookup";
import type { AddressPolicy, RefusalReason } from "../egress/address-policy";
import { egressRefusalIn } from "../egress/refusal";
import { IdentityDispatchers, type ClientIdentity } from "../egress/client-identities";

/**
 * Every request hookrelay makes to a customer's URL (handshakes, deliveries, test events)
 * goes through here, and its outcome comes back as a value: an HTTP status is an answer, not
 * an exception, and a timeout is told apart from a network failure so that policies can treat
 * them differently. A destination the egress policy refuses (see src/egress) is a value too:
 * no request was sent, and none should be retried.
 */
export type HttpOutcome =
  | {
      kind: "response";
      status: number;
      headers: Record<string, string>;
      body: string;
      bodyTruncated: boolean;
      elapsedMs: number;
    }
  | { kind: "timeout"; timeoutMs: number; elapsedMs: number }
  | { kind: "network"; errorClass: string; message: string; elapsedMs: number }
  | {
      kind: "refused";
      /** Kept beside the other failures' classes in the attempt log. */
      errorClass: "EGRESS_REFUSED";
      reason: RefusalReason;
      /** The host as the URL named it, and the address that was refused. */
      host: string;
      address: string;
      message: string;
      elapsedMs: number;
    };

export interface OutboundRequest {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Limit for the whole exchange: connect, headers and body. */
  timeoutMs: number;
  /** Bytes of the response body kept; the rest is discarded unread. */
  maxResponseBytes: number;
  /** The client certificate to present (mutual TLS), for a webhook that has one. */
  clientIdentity?: ClientIdentity;
}

export interface OutboundHttp {
  exchange(req: OutboundRequest): Promise<HttpOutcome>;
  close(): Promise<void>;
}

export interface OutboundHttpOptions {
  connectionsPerOrigin: number;
  /** undici's own timeouts; backstops behind the per-request abort signal. */
  backstopTimeoutMs: number;
  /** Where connections may go. There is no way to turn the guard off, only to allowlist. */
  egress: {
    policy: AddressPolicy;
    /** Tunnel every connection through this HTTP(S) proxy. */
    proxyUrl?: string;
    /** Name resolution; tests inject one, everything else uses the system resolver. */
    resolve?: ResolveHost;
    /** PEM certificates trusted for receivers besides Node's roots (HOOKRELAY_EGRESS_CA_FILE). */
    extraCaCertificates?: string[];
  };
}

/** Webhooks with a client certificate whose dispatchers stay open at once, per process. */
const MAX_IDENTITY_DISPATCHERS = 256;

export function createOutboundHttp(opts: OutboundHttpOptions): OutboundHttp {
  const guard: EgressGuard = { policy: opts.egress.policy, resolve: opts.egress.resolve ?? systemResolve };
  const connector = createGuardedConnector({
    guard,
    timeoutMs: opts.backstopTimeoutMs,
    proxyUrl: opts.egress.proxyUrl,
    extraCaCertificates: opts.egress.extraCaCertificates,
  });
  const agentWith = (connect: typeof connector.connect) =>
    new Agent({
      connections: opts.connectionsPerOrigin,
      keepAliveTimeout: 4_000,
      connect,
      headersTimeout: opts.backstopTimeoutMs,
      bodyTimeout: opts.backstopTimeoutMs,
    });
  // The common path: one shared agent. A webhook with a client certificate gets one of its own,
  // since connections (and TLS sessions) presenting it must never be reused for another.
  const agent = agentWith(connector.connect);
  const presenting = new IdentityDispatchers((identity) => agentWith(connector.presenting(identity)), MAX_IDENTITY_DISPATCHERS);
  const dispatcherFor = (req: OutboundRequest) => (req.clientIdentity ? presenting.dispatcherFor(req.clientIdentity) : agent);

  return {
    exchange: (req) => exchange(dispatcherFor, req),
    close: async () => {
      await Promise.all([agent.close(), presenting.close()]);
      await connector.close();
    },
  };
}

async function exchange(dispatcherFor: (req: OutboundRequest) => Agent, req: OutboundRequest): Promise<HttpOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    // Inside the try: a stored key that no longer opens or parses fails this request as a
    // network outcome (logged with the attempt), not the worker.
    const agent = dispatcherFor(req);
    // undici's request() does not follow redirects: a 3xx comes back as the answer.
    const res = await request(req.url, {
      dispatcher: agent,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
    });
    const { text, truncated } = await readCapped(res.body, req.maxResponseBytes);
    return {
      kind: "response",
      status: res.statusCode,
      headers: flattenHeaders(res.headers),
      body: text,
      bodyTruncated: truncated,
      elapsedMs: elapsed(),
    };
  } catch (err) {
    const refusal = egressRefusalIn(err);
    if (refusal) {
      const { reason, host, address, message } = refusal;
      return { kind: "refused", errorClass: "EGRESS_REFUSED", reason, host, address, message, elapsedMs: elapsed() };
    }
    if (signal.aborted || isUndiciTimeout(err)) {
      return { kind: "timeout", timeoutMs: req.timeoutMs, elapsedMs: elapsed() };
    }
    return { kind: "network", ...describeNetworkError(err), elapsedMs: elapsed() };
  }
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - size));
      // Stop reading: a receiver answering with a huge body must not cost us the memory.
      body.destroy();
      return { text: Buffer.concat(chunks).toString("utf8"), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString("utf8"), truncated: false };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

const UNDICI_TIMEOUT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

function isUndiciTimeout(err: unknown): boolean {
  return typeof err === "object" && err !== null && UNDICI_TIMEOUT_CODES.has((err as { code?: string }).code ?? "");
}

/** Names the failure the way an operator would search for it: ECONNREFUSED, ENOTFOUND, … */
function describeNetworkError(err: unknown): { errorClass: string; message: string } {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code ?? (err instanceof Error ? err.name : "Error");
  const message = e?.cause?.message ?? e?.message ?? String(err);
  return { errorClass: code, message };
}
