/**
 * A client certificate a webhook presents to its receiver (mutual TLS), as the outbound path
 * needs it. The private key is behind a function: it is unsealed only when a dispatcher is
 * built for this identity, once per cache entry, not on every attempt.
 */
export interface ClientIdentity {
  webhookId: string;
  /** SHA-256 of the certificate as stored: a rotated certificate gets a dispatcher of its own. */
  fingerprint: string;
  /** PEM, the leaf first, then any intermediates. */
  certificate: string;
  privateKey(): string;
}

/** What the cache holds per identity: an undici Agent in production, anything closeable in tests. */
export interface Closeable {
  close(): Promise<void>;
}

/**
 * Dispatchers per webhook, built for the certificate it presents now. Bounded (least recently
 * used out first); a dispatcher evicted or replaced by a rotated certificate is closed, which
 * lets its in-flight requests finish. Webhooks without a certificate never come here: they
 * share the one agent.
 */
export class IdentityDispatchers<D extends Closeable> {
  private readonly entries = new Map<string, { fingerprint: string; dispatcher: D }>();

  constructor(
    private readonly build: (identity: { cert: string; key: string }) => D,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  dispatcherFor(identity: ClientIdentity): D {
    const found = this.entries.get(identity.webhookId);
    if (found) this.entries.delete(identity.webhookId);
    if (found?.fingerprint === identity.fingerprint) {
      this.entries.set(identity.webhookId, found); // most recently used now
      return found.dispatcher;
    }
    if (found) void found.dispatcher.close().catch(() => undefined);
    const dispatcher = this.build({ cert: identity.certificate, key: identity.privateKey() });
    this.entries.set(identity.webhookId, { fingerprint: identity.fingerprint, dispatcher });
    if (this.entries.size > this.maxEntries) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      void entry.dispatcher.close().catch(() => undefined);
    }
    return dispatcher;
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(all.map((e) => e.dispatcher.close()));
  }
}
