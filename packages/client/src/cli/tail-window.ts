/**
 * Which attempts of one webhook `deliveries tail` has already printed. Pure: no I/O, no clock.
 *
 * The log is ordered by when an attempt started, but a row is written when it ends, so an
 * attempt to a slow endpoint shows up after quicker ones that started later. Asking only for
 * attempts after the newest one seen would miss it; so each poll asks from LOOKBACK before the
 * newest seen (longer than the longest delivery timeout, 60 s) and drops what it has printed,
 * by attempt id.
 */
export const LOOKBACK_MS = 65_000;

export interface AttemptStamp {
  id: string;
  timestamp: string;
}

export class AttemptWindow<A extends AttemptStamp = AttemptStamp> {
  private readonly seen = new Map<string, number>();
  private newest: number | null = null;

  /** @param startedAtMs when tailing began, by this machine's clock: the lower bound until an attempt is seen. */
  constructor(private readonly startedAtMs: number) {}

  /** The `from` of the next query, as ISO text. */
  from(): string {
    return new Date((this.newest ?? this.startedAtMs) - LOOKBACK_MS).toISOString();
  }

  /** Marks `attempts` seen and returns those that were not, in the order given. */
  absorb(attempts: A[]): A[] {
    const fresh: A[] = [];
    for (const a of attempts) {
      if (this.seen.has(a.id)) continue;
      const at = Date.parse(a.timestamp);
      this.seen.set(a.id, at);
      if (this.newest === null || at > this.newest) this.newest = at;
      fresh.push(a);
    }
    return fresh;
  }

  /** Forgets attempts older than the next query's `from`: it cannot return them again. */
  prune(): void {
    const from = Date.parse(this.from());
    for (const [id, at] of this.seen) if (at < from) this.seen.delete(id);
  }

  get size(): number {
    return this.seen.size;
  }
}

/** Oldest first, ties by id, so a stream reads in the order things happened. */
export function chronological<A extends AttemptStamp>(attempts: A[]): A[] {
  return [...attempts].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
