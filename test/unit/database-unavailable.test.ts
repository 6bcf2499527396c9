import { DatabaseError } from "pg";
import { Prisma } from "../../src/generated/prisma/client";
import { isDatabaseUnavailable } from "../../src/lib/prisma-errors";

const pgError = (code: string, message = "x") => Object.assign(new DatabaseError(message, 0, "error"), { code });
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: "connect" });
const prismaError = (code: string, meta?: Record<string, unknown>) => new Prisma.PrismaClientKnownRequestError("failed", { code, clientVersion: "6", meta });

describe("telling a database outage from a bug", () => {
  it.each([
    ["a refused connection", socketError("ECONNREFUSED")],
    ["a reset connection", socketError("ECONNRESET")],
    ["a server shutting down (57P03)", pgError("57P03", "the database system is shutting down")],
    ["an administrator's shutdown (57P01)", pgError("57P01", "terminating connection due to administrator command")],
    ["a connection exception (08006)", pgError("08006")],
    ["a server out of connections (53300)", pgError("53300")],
    ["a connection dropped mid-query", new Error("Connection terminated unexpectedly")],
    ["a pool that cannot connect in time", new Error("timeout exceeded when trying to connect")],
    ["Prisma's unreachable server (P1001)", prismaError("P1001")],
    ["Prisma's closed connection (P1017)", prismaError("P1017")],
    ["a raw query whose connection closed", prismaError("P2010", { driverAdapterError: { cause: { kind: "ConnectionClosed" } } })],
    ["a raw query refused by a server shutting down", prismaError("P2010", { driverAdapterError: { cause: { kind: "postgres", originalCode: "57P03" } } })],
    ["the adapter's own error for a server shutting down", Object.assign(new Error("the database system is shutting down"), { name: "DriverAdapterError", cause: { kind: "postgres", code: "57P03", originalCode: "57P03" } })],
  ])("counts %s as the database being unavailable", (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ["a syntax error", pgError("42601")],
    ["a unique violation", pgError("23505")],
    ["Prisma's unique violation", prismaError("P2002")],
    ["a raw query's unique violation", prismaError("P2010", { driverAdapterError: { cause: { kind: "UniqueConstraintViolation", originalCode: "23505" } } })],
    ["the adapter's own error for a syntax error", Object.assign(new Error("syntax error"), { name: "DriverAdapterError", cause: { kind: "postgres", code: "42601", originalCode: "42601" } })],
    ["a plain bug", new TypeError("cannot read properties of undefined")],
    ["something that is not an error", "ECONNREFUSED"],
  ])("counts %s as a bug, not an outage", (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
