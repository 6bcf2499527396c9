import { Pool } from "undici";
import { nowMs } from "./stats";

/**
 * The harness as a customer and a producer: accounts and webhooks set up through the real API
 * (the handshake included), events emitted over keep-alive connections.
 */
export const EVENT_TYPE = "message.created";
export const VERIFY_TOKEN = "bench-verify-token-0123456789";
/** Filler that brings a delivery body to about 1 KiB. */
const PAD = "x".repeat(820);

export interface ApiResult {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export class ApiClient {
  readonly pool: Pool;
  constructor(
    readonly baseUrl: string,
    private readonly key: string,
    connections = 16,
  ) {
    this.pool = new Pool(baseUrl, { connections, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  withKey(key: string, connections = 16): ApiClient {
    return new ApiClient(this.baseUrl, key, connections);
  }

  async post(path: string, body: unknown): Promise<ApiResult> {
    const res = await this.pool.request({
      method: "POST",
      path,
      headers: { authorization: `Bearer ${this.key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: parseBody(text), headers: res.headers };
  }

  async get(path: string): Promise<ApiResult> {
    const res = await this.pool.request({ method: "GET", path, headers: { authorization: `Bearer ${this.key}` } });
    const text = await res.body.text();
    return { status: res.statusCode, body: parseBody(text), headers: res.headers };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** JSON when it is JSON; a bare 500 from a dying process may not be. */
function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function expect(status: number, call: Promise<ApiResult>, what: string): Promise<ApiResult> {
  const res = await call;
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** A fresh account with `urls.length` webhooks (one per url) subscribed to EVENT_TYPE; returns its key. */
/** `samples` timed GETs of `path()` one after another, after 3 unmeasured ones (warm connections and plans); every status seen. */
export async function timeGets(client: ApiClient, path: () => string, samples: number): Promise<{ ms: number[]; status: Set<number> }> {
  const ms: number[] = [];
  const status = new Set<number>();
  for (let i = 0; i < samples + 3; i++) {
    const started = nowMs();
    const res = await client.get(path());
    if (i >= 3) ms.push(nowMs() - started);
    status.add(res.status);
  }
  return { ms, status };
}

export async function setupAccount(admin: ApiClient, name: string, urls: string[]): Promise<{ accountId: string; apiKey: string; webhookIds: string[] }> {
  const created = (await expect(201, admin.post("/v1/accounts", { name }), "create account")).body as {
    account: { id: string };
    apiKey: { apiKey: string };
  };
  const account = admin.withKey(created.apiKey.apiKey, 2);
  const webhookIds: string[] = [];
  try {
    for (const url of urls) {
      const wh = (await expect(201, account.post("/v1/webhooks", { url, verifyToken: VERIFY_TOKEN, eventTypes: [EVENT_TYPE] }), `register ${url}`))
        .body as { id: string };
      webhookIds.push(wh.id);
    }
  } finally {
    await account.close();
  }
  return { accountId: created.account.id, apiKey: created.apiKey.apiKey, webhookIds };
}

/**
 * An event's data. The tag and send time come first: the receiver finds them with a regex.
 * `sentAt` (epoch ms) is the moment the event was due to be sent, 0 when latency is not measured.
 */
export function eventData(tag: string, seq: number, sentAt = 0): Record<string, unknown> {
  return { benchTag: tag, sentAt, seq, text: PAD };
}

/** The delivery body's size for one such event, as the meta dialect renders it. */
export function deliveryBodyBytes(): number {
  const data = JSON.stringify(eventData("tag", 123456, nowMs()));
  return Buffer.byteLength(`{"id":"evt_01J0000000000000000000000","type":"${EVENT_TYPE}","createdAt":"2026-01-01T00:00:00.000Z","data":${data}}`);
}

export function apiUrlsFor(base: string, prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${base}/hook/${prefix}-${i}`);
}
