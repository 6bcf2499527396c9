/** A request as Node's http and express hand it over, structurally: no dependency on either's types. */
export interface NodeLikeRequest extends AsyncIterable<unknown> {
  method?: string;
  url?: string;
  /** express keeps the URL before mounting here; only the query matters to handshakes. */
  originalUrl?: string;
  headers: Record<string, string | string[] | number | undefined>;
  /** A Buffer when express.raw() ran first (or a string from express.text()). */
  body?: unknown;
  readableEnded?: boolean;
}

/** 1 MiB: hookrelay's events are at most 256 KiB by default (HOOKRELAY_MAX_EVENT_BYTES), plus the envelope. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export type RawBody = { kind: "body"; bytes: Buffer } | { kind: "too_large"; limit: number };

/**
 * The exact bytes of the body: what express.raw() left in req.body, or read from the stream.
 * A body some JSON parser already consumed cannot be verified (its bytes are gone), which is a
 * mistake in the app's setup and throws.
 */
export async function readRawBody(req: NodeLikeRequest, limit: number): Promise<RawBody> {
  if (Buffer.isBuffer(req.body)) return { kind: "body", bytes: req.body };
  if (typeof req.body === "string") return { kind: "body", bytes: Buffer.from(req.body, "utf8") };
  if (req.body !== undefined && req.readableEnded) {
    throw new TypeError(
      "the request body was parsed before the webhook middleware (express.json()?): mount the middleware before body parsers, or use express.raw({ type: \"*/*\" }) on this route",
    );
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return { kind: "too_large", limit };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk as Uint8Array);
    size += bytes.length;
    // Leaving the loop destroys the stream: a sender that lied about its length gets no answer.
    if (size > limit) return { kind: "too_large", limit };
    chunks.push(bytes);
  }
  return { kind: "body", bytes: Buffer.concat(chunks) };
}
