import { randomBytes } from "node:crypto";

/** Crockford base32: sortable as plain strings, no ambiguous letters. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export type IdPrefix = "acc" | "key" | "wh" | "evt" | "et" | "dlv" | "att";

/**
 * A prefixed ULID-style id: 48 bits of milliseconds then 80 random bits, 26 characters.
 * Ids of one kind sort by creation time, which lets list endpoints page by id alone.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  let time = "";
  let t = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rnd = randomChunk();
  let random = "";
  for (let i = 0; i < 16; i++) random += ALPHABET[rnd[i]! % 32];
  return `${prefix}_${time}${random}`;
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
