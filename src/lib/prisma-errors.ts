import { Prisma } from "../generated/prisma/client";

/** A row that was read a moment ago was deleted before the write (P2025). */
export function isRecordGone(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025";
}

/**
 * A unique index refused the write: P2002 from the query builder, from raw SQL (P2010) the
 * driver adapter's UniqueConstraintViolation, or SQLSTATE 23505 from the pg pool directly.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof Error && (err as { code?: unknown }).code === "23505") return true;
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (err.code === "P2002") return true;
  const cause = (err.meta as { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } | undefined)?.driverAdapterError?.cause;
  return err.code === "P2010" && (cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505");
}

/** SQLSTATEs that mean the server is not there right now (connection exception, shutting down, starting up, full), not that the query is wrong. */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;
const UNAVAILABLE_SOCKET = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);
const UNAVAILABLE_PRISMA = new Set(["P1001", "P1002", "P1008", "P1017", "P2037"]);
const UNAVAILABLE_ADAPTER = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

type AdapterCause = { kind?: string; code?: string; originalCode?: string };

/** The driver adapter's account of a failure: wrapped by Prisma, or (for SQLSTATEs Prisma has no code for) thrown as is. */
function adapterCause(err: Error): AdapterCause | undefined {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    return (err.meta as { driverAdapterError?: { cause?: AdapterCause } } | undefined)?.driverAdapterError?.cause;
  }
  const cause = (err as { cause?: unknown }).cause;
  return err.name === "DriverAdapterError" && typeof cause === "object" && cause !== null ? (cause as AdapterCause) : undefined;
}

/**
 * Postgres is unreachable, restarting or full, through the pg pool or Prisma: the request may
 * succeed if retried shortly, so it is a 503, not a bug. (A write whose connection died at
 * commit may or may not have happened; callers retry with their idempotency key.)
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  // Not `instanceof Error`: the pool passes on Node's own socket errors (connect ECONNRESET),
  // which under jest's vm sandbox come from another realm, where that test is false.
  if (typeof err !== "object" || err === null || typeof (err as { message?: unknown }).message !== "string") return false;
  if (err instanceof Prisma.PrismaClientInitializationError) return true;
  if (err instanceof Prisma.PrismaClientKnownRequestError && UNAVAILABLE_PRISMA.has(err.code)) return true;
  const cause = adapterCause(err as Error);
  if (cause) return UNAVAILABLE_ADAPTER.has(cause.kind ?? "") || UNAVAILABLE_SQLSTATE.test(cause.originalCode ?? cause.code ?? "");
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_SOCKET.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  // pg's own words when the server drops a connection in use, or the pool cannot get one in time.
  return /^Connection terminated|timeout exceeded when trying to connect/.test((err as Error).message);
}
