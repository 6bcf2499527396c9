import { rootCertificates } from "node:tls";
import { IdentityDispatchers, type ClientIdentity } from "../../../src/egress/client-identities";
import { receiverCas } from "../../../src/egress/connector";

class FakeDispatcher {
  closed = false;
  constructor(readonly cert: string, readonly key: string) {}
  async close() {
    this.closed = true;
  }
}

const identity = (webhookId: string, version: string, opened: string[] = []): ClientIdentity => ({
  webhookId,
  fingerprint: `fp-${version}`,
  certificate: `cert-${version}`,
  privateKey: () => {
    opened.push(`${webhookId}:${version}`);
    return `key-${version}`;
  },
});

describe("dispatchers per client certificate", () => {
  const cache = (max = 3) => new IdentityDispatchers((id) => new FakeDispatcher(id.cert, id.key), max);

  it("builds one dispatcher per webhook and certificate, unsealing the key once", () => {
    const dispatchers = cache();
    const opened: string[] = [];
    const first = dispatchers.dispatcherFor(identity("wh_1", "a", opened));
    const again = dispatchers.dispatcherFor(identity("wh_1", "a", opened));
    expect(again).toBe(first);
    expect(first).toMatchObject({ cert: "cert-a", key: "key-a" });
    expect(opened).toEqual(["wh_1:a"]);
  });

  it("replaces a webhook's dispatcher when its certificate is rotated, closing the old one", () => {
    const dispatchers = cache();
    const old = dispatchers.dispatcherFor(identity("wh_1", "a"));
    const rotated = dispatchers.dispatcherFor(identity("wh_1", "b"));
    expect(rotated).not.toBe(old);
    expect(rotated.cert).toBe("cert-b");
    expect(old.closed).toBe(true);
    expect(dispatchers.size).toBe(1);
  });

  it("holds a bounded number, closing the least recently used", () => {
    const dispatchers = cache(2);
    const one = dispatchers.dispatcherFor(identity("wh_1", "a"));
    const two = dispatchers.dispatcherFor(identity("wh_2", "a"));
    dispatchers.dispatcherFor(identity("wh_1", "a")); // wh_1 used last: wh_2 goes first
    dispatchers.dispatcherFor(identity("wh_3", "a"));
    expect(dispatchers.size).toBe(2);
    expect(two.closed).toBe(true);
    expect(one.closed).toBe(false);
  });

  it("closes them all on close", async () => {
    const dispatchers = cache();
    const built = [dispatchers.dispatcherFor(identity("wh_1", "a")), dispatchers.dispatcherFor(identity("wh_2", "a"))];
    await dispatchers.close();
    expect(built.map((d) => d.closed)).toEqual([true, true]);
    expect(dispatchers.size).toBe(0);
  });
});

describe("the CAs receivers are checked against", () => {
  it("are Node's default roots when no file is configured", () => {
    expect(receiverCas(undefined)).toBeUndefined();
    expect(receiverCas([])).toBeUndefined();
  });

  it("add the configured ones to Node's roots rather than replacing them", () => {
    const cas = receiverCas(["-----BEGIN CERTIFICATE-----\nprivate\n-----END CERTIFICATE-----"])!;
    expect(cas).toEqual([...rootCertificates, "-----BEGIN CERTIFICATE-----\nprivate\n-----END CERTIFICATE-----"]);
    expect(rootCertificates.length).toBeGreaterThan(50);
  });
});
