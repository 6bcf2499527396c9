import { randomBytes } from "node:crypto";

/** Crockford base32: sortable as plain strings, no ambiguous letters. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export type IdPrefix = "acc" | "key" | "wh" | "evt" | "et" | "dlv" | "att" | "ps" | "aud" | "rpl";

/**
 * A prefixed ULID-style id: 48 bits of milliseconds then 80 random bits, 26 characters.
 * Ids of one kind sort by creation time, which lets list endpoints page by id alone. Within
 * one millisecond, ids made by one process increase (the random part of the previous id plus
 * one, as ULID's monotonic mode does): a batch's events and deliveries then sort in the order
 * they were made, which is the order the scheduler serves a webhook's deliveries of one instant.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const ms = Math.max(0, Math.floor(now));
  return `${prefix}_${timeDigits(ms)}${randomPart(ms)}`;
}

/**
 * The smallest id of `prefix` that can be made at or after `ms`: every id made before sorts below
 * it. Partition bounds and time ranges over ids (SQL: hookrelay_id_floor).
 */
export function idFloor(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${timeDigits(Math.max(0, Math.floor(ms)))}0000000000000000`;
}

function timeDigits(ms: number): string {
  let time = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

/** When an id was made, to the millisecond: the time its first ten digits carry. */
export function idTime(id: string): number {
  const digits = id.slice(id.indexOf("_") + 1, id.indexOf("_") + 11);
  let ms = 0;
  for (const c of digits) ms = ms * 32 + ALPHABET.indexOf(c);
  return ms;
}

/**
 * A delivery's id, made with its event's time rather than the clock's: deliveries are
 * partitioned with their event by the time their ids carry (prisma/migrations/…partition_by_time),
 * so an event, its deliveries and their attempts always sit in one time range and leave together.
 */
export function deliveryIdFor(eventId: string): string {
  return newId("dlv", idTime(eventId));
}

/**
 * How much later than its event's a delivery's id may be, for deliveries stored before
 * deliveryIdFor (their ids took the clock a moment after the event's): the margin of every
 * search for an event's deliveries, or a delivery's event, by id range.
 */
export const LEGACY_DELIVERY_LAG_MS = 3_600_000;

let lastMs = -1;
const lastDigits: number[] = new Array<number>(16).fill(0);

/** 16 base32 digits: fresh in a new millisecond, the previous ones plus one in the same one. */
function randomPart(ms: number): string {
  let fresh = ms !== lastMs;
  if (!fresh) {
    let i = 15;
    while (i >= 0 && lastDigits[i] === 31) lastDigits[i--] = 0;
    // 80 bits exhausted within one millisecond cannot happen in practice; start afresh if it does.
    if (i < 0) fresh = true;
    else lastDigits[i]!++;
  }
  if (fresh) {
    const rnd = randomChunk();
    // The top bit clear leaves room to count up (2^79 ids) before the digits wrap.
    for (let i = 0; i < 16; i++) lastDigits[i] = rnd[i]! % (i === 0 ? 16 : 32);
    lastMs = ms;
  }
  let out = "";
  for (const d of lastDigits) out += ALPHABET[d];
  return out;
}

/**
 * 16 random bytes, cut from a pool refilled 4 KiB at a time: a getrandom call per id showed
 * in the ingest profile, and every delivery and attempt takes an id.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = POOL_BYTES;

function randomChunk(): Buffer {
  if (offset + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  offset += 16;
  return pool.subarray(offset - 16, offset);
}

const ID_SHAPE = /^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Whether a string could be one of our ids; lets routes answer 404 without a query. */
export function isWellFormedId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_SHAPE.test(value);
}
