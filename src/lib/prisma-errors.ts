import { Prisma } from "../generated/prisma/client";

/** A row that was read a moment ago was deleted before the write (P2025). */
export function isRecordGone(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025";
}

/**
 * A unique index refused the write: P2002 from the query builder, or, from raw SQL (P2010),
 * the driver adapter's UniqueConstraintViolation.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (err.code === "P2002") return true;
  const cause = (err.meta as { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } | undefined)?.driverAdapterError?.cause;
  return err.code === "P2010" && (cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505");
}
