import { answerHandshake, type HandshakeAnswer, type HandshakeOptions } from "./handshake";
import type { VerifyOptions, VerifyResult } from "./types";
import { verify } from "./verify";

/** The part of a Fetch API `Request` read here (Node 20's, Deno's, Bun's, a worker's). */
export interface FetchLikeRequest {
  method: string;
  url: string;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** verify for a Fetch API Request: reads its body (once: pass a clone if you need it again). */
export async function verifyRequest(request: FetchLikeRequest, options: VerifyOptions): Promise<VerifyResult> {
  const rawBody = Buffer.from(await request.arrayBuffer());
  return verify({ headers: request.headers, rawBody, method: request.method, url: request.url }, options);
}

/**
 * Both steps for a Fetch-style handler: the handshake answer to return as the Response, or else
 * the verification result. Reads the body once.
 */
export async function receiveRequest(
  request: FetchLikeRequest,
  options: VerifyOptions & Pick<HandshakeOptions, "verifyToken">,
): Promise<{ handshake: Extract<HandshakeAnswer, { handled: true }> } | { handshake: null; result: VerifyResult }> {
  const rawBody = Buffer.from(await request.arrayBuffer());
  const req = { headers: request.headers, rawBody, method: request.method, url: request.url };
  const answer = answerHandshake(req, { ...options, verifyToken: options.verifyToken ?? options.secret });
  if (answer.handled) return { handshake: answer };
  return { handshake: null, result: verify(req, options) };
}
