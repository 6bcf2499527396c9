/**
 * What the scheduler hands around. A ticket is one attempt of one delivery waiting for its turn;
 * its `member` is also the BullMQ job id the attempt runs under once dispatched, so "is this
 * attempt already waiting, in flight or queued?" is one lookup by the same name everywhere.
 */
export interface Ticket {
  member: string;
  webhookId: string;
  accountId: string;
  /** When the attempt may go (epoch ms): the event's time for a first attempt, the retry time after a failure. */
  dueAt: number;
}

/** One of a webhook's in-flight slots, held by the attempt `member` from dispatch until release. */
export interface Slot {
  member: string;
  webhookId: string;
}

/** An attempt the scheduler let go: it holds a slot until released. */
export interface Dispatched extends Slot {
  accountId: string;
}

export interface AttemptRef {
  deliveryId: string;
  chain: number;
  /** Attempts already made in this chain when this one was queued: 0 for the first. */
  attempt: number;
}

/**
 * `dlv_…-<chain>-<attempt>`. BullMQ refuses ":" in custom ids, hence dashes; delivery ids hold
 * none (Crockford base32 after the prefix), so the last two dashes are unambiguous.
 */
export function memberFor(ref: AttemptRef): string {
  return `${ref.deliveryId}-${ref.chain}-${ref.attempt}`;
}

export function parseMember(member: string): AttemptRef | null {
  const m = /^(dlv_[0-9A-Z]+)-(\d+)-(\d+)$/.exec(member);
  return m ? { deliveryId: m[1]!, chain: Number(m[2]), attempt: Number(m[3]) } : null;
}

export function ticketFor(d: { id: string; chain: number; chainAttempts: number; webhookId: string; accountId: string }, dueAt: number): Ticket {
  return { member: memberFor({ deliveryId: d.id, chain: d.chain, attempt: d.chainAttempts }), webhookId: d.webhookId, accountId: d.accountId, dueAt };
}
