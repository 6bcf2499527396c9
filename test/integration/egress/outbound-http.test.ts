import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { isIP, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { createAddressPolicy, type AddressPolicy } from "../../../src/egress/address-policy";
import type { ResolveHost } from "../../../src/egress/guarded-lookup";
import { parseCidr } from "../../../src/egress/ip";
import { createOutboundHttp, type HttpOutcome } from "../../../src/lib/outbound-http";
import { startConnectProxy } from "../../support/connect-proxy";
import { startReceiver, type Receiver } from "../../support/receivers";

/**
 * The egress guard at the HTTP edge: real local servers, a real proxy, and name resolution
 * injected where a test needs a name to point somewhere (`evil.test` → 10.0.0.5); `localhost`
 * goes through the system resolver, as every name does in production.
 */
const strict = createAddressPolicy([]);
const loopbackAllowed = createAddressPolicy(["127.0.0.0/8", "::1/128"].map((c) => parseCidr(c)!));

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(closers.splice(0).map((c) => c()));
});

function outbound(policy: AddressPolicy, extra: { resolve?: ResolveHost; proxyUrl?: string } = {}) {
  const http = createOutboundHttp({ connectionsPerOrigin: 4, backstopTimeoutMs: 3_000, egress: { policy, ...extra } });
  closers.push(() => http.close());
  const send = (url: string, method: "GET" | "POST" = "GET") =>
    http.exchange({ method, url, body: method === "POST" ? '{"hello":"world"}' : undefined, timeoutMs: 2_000, maxResponseBytes: 4_096 });
  return { send };
}

/** A resolver that knows only the names in `table`, and records every question. */
function fakeDns(table: Record<string, string[] | ((call: number) => string[])>) {
  const calls: string[] = [];
  const resolve: ResolveHost = async (host) => {
    calls.push(host);
    const entry = table[host];
    const addresses = typeof entry === "function" ? entry(calls.filter((c) => c === host).length) : entry;
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: isIP(address) }));
  };
  return { resolve, calls };
}

async function receiver(status = 200, headers: Record<string, string> = {}): Promise<Receiver & { port: number }> {
  const r = await startReceiver((_req, res) => res.writeHead(status, { "content-type": "text/plain", ...headers }).end("ok"));
  closers.push(() => r.close());
  return { ...r, port: Number(new URL(r.url).port) };
}

const refusedAs = (reason: string, address: string | RegExp, host?: string) =>
  expect.objectContaining({
    kind: "refused",
    errorClass: "EGRESS_REFUSED",
    reason,
    address: typeof address === "string" ? address : expect.stringMatching(address),
    ...(host ? { host } : {}),
  });

describe("outbound requests with the egress guard as in production (no allowlist)", () => {
  it("refuses 127.0.0.1, for GET and POST alike, and no request reaches the server listening there", async () => {
    const r = await receiver();
    const { send } = outbound(strict);
    expect(await send(r.url)).toEqual(refusedAs("loopback", "127.0.0.1", "127.0.0.1"));
    expect(await send(r.url, "POST")).toEqual(refusedAs("loopback", "127.0.0.1"));
    expect(r.requests).toHaveLength(0);
  });

  it("refuses localhost as the system resolver answers it, and nothing reaches the server", async () => {
    const r = await receiver();
    const outcome = await outbound(strict).send(`http://localhost:${r.port}/hook`);
    expect(outcome).toEqual(refusedAs("loopback", /^(127\.0\.0\.1|::1)$/, "localhost"));
    expect((outcome as Extract<HttpOutcome, { kind: "refused" }>).message).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(r.requests).toHaveLength(0);
  });

  it("refuses IPv6 spellings of loopback: [::1] and the IPv4-mapped [::ffff:127.0.0.1]", async () => {
    const r = await receiver();
    const { send } = outbound(strict);
    expect(await send(`http://[::1]:${r.port}/hook`)).toEqual(refusedAs("loopback", "::1"));
    expect(await send(`http://[::ffff:127.0.0.1]:${r.port}/hook`)).toEqual(refusedAs("loopback", "::ffff:7f00:1"));
    expect(r.requests).toHaveLength(0);
  });

  it("refuses a name that resolves to a private address, without trying to connect", async () => {
    const dns = fakeDns({ "evil.test": ["10.0.0.5"] });
    const outcome = await outbound(strict, { resolve: dns.resolve }).send("http://evil.test/hook");
    expect(outcome).toEqual(refusedAs("private", "10.0.0.5", "evil.test"));
    expect(dns.calls).toEqual(["evil.test"]);
  });

  it("refuses a name that resolves to loopback, and nothing reaches the server listening there", async () => {
    const r = await receiver();
    const dns = fakeDns({ "evil.test": ["127.0.0.1"] });
    expect(await outbound(strict, { resolve: dns.resolve }).send(`http://evil.test:${r.port}/hook`, "POST")).toEqual(refusedAs("loopback", "127.0.0.1", "evil.test"));
    expect(r.requests).toHaveLength(0);
  });

  it("refuses a name when any of its addresses is internal, even behind a public one", async () => {
    const dns = fakeDns({ "mixed.test": ["93.184.216.34", "2606:4700:4700::1111", "169.254.169.254"] });
    expect(await outbound(strict, { resolve: dns.resolve }).send("http://mixed.test/")).toEqual(refusedAs("metadata", "169.254.169.254", "mixed.test"));
  });

  it("refuses https destinations before any TLS, by literal and by name", async () => {
    const dns = fakeDns({ "evil.test": ["fd00:ec2::254"] });
    const { send } = outbound(strict, { resolve: dns.resolve });
    expect(await send("https://169.254.169.254/latest/meta-data/")).toEqual(refusedAs("metadata", "169.254.169.254"));
    expect(await send("https://evil.test/")).toEqual(refusedAs("metadata", "fd00:ec2::254", "evil.test"));
  });

  it("leaves a name that does not resolve a network failure, as before", async () => {
    const outcome = await outbound(strict, { resolve: fakeDns({}).resolve }).send("http://nowhere.test/");
    expect(outcome).toMatchObject({ kind: "network", errorClass: "ENOTFOUND" });
  });
});

describe("outbound requests with loopback allowlisted (development and tests)", () => {
  it("reaches a loopback receiver", async () => {
    const r = await receiver();
    expect(await outbound(loopbackAllowed).send(r.url, "POST")).toMatchObject({ kind: "response", status: 200 });
    expect(r.requests.map((q) => q.body.toString())).toEqual(['{"hello":"world"}']);
  });

  it("connects to exactly the address it checked: one resolution per connection, whatever DNS answers next", async () => {
    const r = await receiver();
    // A rebinding name: the first answer passes the check, every later one would not.
    const dns = fakeDns({ "rebind.test": (call) => (call === 1 ? ["127.0.0.1"] : ["10.0.0.5"]) });
    const outcome = await outbound(loopbackAllowed, { resolve: dns.resolve }).send(`http://rebind.test:${r.port}/hook`);
    expect(outcome).toMatchObject({ kind: "response", status: 200 });
    expect(dns.calls).toEqual(["rebind.test"]);
    expect(r.requests[0]!.headers.host).toBe(`rebind.test:${r.port}`);
  });

  it("does not follow a redirect, not even to an allowed address", async () => {
    const target = await receiver();
    const r = await receiver(302, { location: target.url });
    expect(await outbound(loopbackAllowed).send(r.url)).toMatchObject({ kind: "response", status: 302, headers: { location: target.url } });
    expect(target.requests).toHaveLength(0);
  });
});

describe("outbound requests through an egress proxy", () => {
  it("asks the proxy to CONNECT to the checked address, never the name, and the receiver still sees its own host name", async () => {
    const r = await receiver();
    const proxy = await startConnectProxy();
    closers.push(() => proxy.close());
    const dns = fakeDns({ "receiver.test": ["127.0.0.1"] });
    const outcome = await outbound(loopbackAllowed, { resolve: dns.resolve, proxyUrl: proxy.url }).send(`http://receiver.test:${r.port}/hook`, "POST");
    expect(outcome).toMatchObject({ kind: "response", status: 200 });
    expect(proxy.connects.map((c) => c.target)).toEqual([`127.0.0.1:${r.port}`]);
    expect(proxy.plainRequests).toEqual([]);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.headers.host).toBe(`receiver.test:${r.port}`);
    expect(r.requests[0]!.body.toString()).toBe('{"hello":"world"}');
  });

  it("refuses internal destinations before the proxy is asked anything", async () => {
    const proxy = await startConnectProxy();
    closers.push(() => proxy.close());
    const dns = fakeDns({ "evil.test": ["10.0.0.5"] });
    const { send } = outbound(strict, { resolve: dns.resolve, proxyUrl: proxy.url });
    expect(await send("http://evil.test/")).toEqual(refusedAs("private", "10.0.0.5", "evil.test"));
    expect(await send("http://127.0.0.1:9/")).toEqual(refusedAs("loopback", "127.0.0.1"));
    expect(await send("https://[::ffff:a9fe:a9fe]/")).toEqual(refusedAs("metadata", "::ffff:a9fe:a9fe"));
    expect(proxy.connects).toEqual([]);
  });

  it("lets a public destination through a proxy that is itself on an internal address (the operator's choice)", async () => {
    const r = await receiver();
    // The proxy stands in for the internet: whatever it is asked, it tunnels to the local receiver.
    const proxy = await startConnectProxy({ routeTo: r.port });
    closers.push(() => proxy.close());
    const dns = fakeDns({ "public.test": ["93.184.216.34"], "public6.test": ["2606:4700:4700::1111"] });
    const { send } = outbound(strict, { resolve: dns.resolve, proxyUrl: proxy.url });
    expect(await send("http://public.test/hook")).toMatchObject({ kind: "response", status: 200 });
    expect(await send("http://public6.test:8080/hook")).toMatchObject({ kind: "response", status: 200 });
    expect(proxy.connects.map((c) => c.target)).toEqual(["93.184.216.34:80", "[2606:4700:4700::1111]:8080"]);
    expect(r.requests.map((q) => q.headers.host)).toEqual(["public.test", "public6.test:8080"]);
  });

  it("sends the proxy credentials of the proxy URL on CONNECT only, never to the receiver", async () => {
    const r = await receiver();
    const proxy = await startConnectProxy();
    closers.push(() => proxy.close());
    const proxyUrl = proxy.url.replace("http://", "http://relay:p%40ss@");
    expect(await outbound(loopbackAllowed, { proxyUrl }).send(r.url)).toMatchObject({ kind: "response", status: 200 });
    expect(proxy.connects[0]!.headers["proxy-authorization"]).toBe(`Basic ${Buffer.from("relay:p@ss").toString("base64")}`);
    expect(r.requests[0]!.headers["proxy-authorization"]).toBeUndefined();
  });

  it("reports a proxy that refuses the CONNECT as a network failure, not as the guard's refusal", async () => {
    const proxy = await startConnectProxy({ refuseWith: 403 });
    closers.push(() => proxy.close());
    const outcome = await outbound(loopbackAllowed, { proxyUrl: proxy.url }).send("http://127.0.0.1:9/hook");
    expect(outcome).toMatchObject({ kind: "network", errorClass: "EGRESS_PROXY_REFUSED", message: "the egress proxy answered 403 to CONNECT 127.0.0.1:9" });
  });
});

describe("https to a name resolved by the guard", () => {
  let certDir: string;
  let tls: { port: number; serverNames: string[]; close(): Promise<void> };

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), "hookrelay-egress-"));
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=receiver.test", "-addext", "subjectAltName=DNS:receiver.test",
      "-keyout", join(certDir, "key.pem"), "-out", join(certDir, "cert.pem"),
    ], { stdio: "ignore" });
    const context = { key: readFileSync(join(certDir, "key.pem")), cert: readFileSync(join(certDir, "cert.pem")) };
    const serverNames: string[] = [];
    const server = createHttpsServer({
      ...context,
      SNICallback: (name, cb) => {
        serverNames.push(name);
        cb(null, createSecureContext(context));
      },
    }, (_req, res) => res.end("ok"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    tls = {
      port: (server.address() as AddressInfo).port,
      serverNames,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  });
  afterAll(async () => {
    await tls.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  // The certificate is self-signed, so verification must fail: that it does proves the
  // certificate was checked, against the name, over a connection made to the checked address.
  it("uses the name for SNI and certificate checks, directly and inside the proxy tunnel", async () => {
    const dns = fakeDns({ "receiver.test": ["127.0.0.1"] });
    const url = `https://receiver.test:${tls.port}/hook`;
    expect(await outbound(loopbackAllowed, { resolve: dns.resolve }).send(url)).toMatchObject({ kind: "network", errorClass: "DEPTH_ZERO_SELF_SIGNED_CERT" });

    const proxy = await startConnectProxy();
    closers.push(() => proxy.close());
    expect(await outbound(loopbackAllowed, { resolve: dns.resolve, proxyUrl: proxy.url }).send(url)).toMatchObject({
      kind: "network",
      errorClass: "DEPTH_ZERO_SELF_SIGNED_CERT",
    });
    expect(proxy.connects.map((c) => c.target)).toEqual([`127.0.0.1:${tls.port}`]);
    expect(tls.serverNames).toEqual(["receiver.test", "receiver.test"]);
  });
});
