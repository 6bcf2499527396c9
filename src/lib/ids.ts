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
  const rnd = randomBytes(16);
  let random = "";
  for (let i = 0; i < 16; i++) random += ALPHABET[rnd[i]! % 32];
  return `${prefix}_${time}${random}`;
}

const ID_SHAPE = /^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Whether a string could be one of our ids; lets routes answer 404 without a query. */
export function isWellFormedId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_SHAPE.test(value);
}
