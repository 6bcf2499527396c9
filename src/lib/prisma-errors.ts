import { Prisma } from "../generated/prisma/client";

/** A row that was read a moment ago was deleted before the write (P2025). */
export function isRecordGone(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025";
}

/** A unique index refused the write (P2002). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}
