import { decodeCursor, encodeCursor } from "../../src/lib/cursor";
import { AppError } from "../../src/lib/errors";

function decodeError(cursor: string, fields: readonly string[]): unknown {
  try {
    decodeCursor(cursor, fields);
  } catch (err) {
    return err;
  }
  throw new Error("expected decodeCursor to throw");
}

describe("page cursors", () => {
  it("decode to the key they were encoded from", () => {
    const key = { createdAt: "2024-05-01T10:00:00.000Z", id: "wh_01HX0000000000000000000000" };
    expect(decodeCursor(encodeCursor(key), ["createdAt", "id"])).toEqual(key);
  });

  it("carry non-ASCII values intact", () => {
    const key = { name: "événement.créé" };
    expect(decodeCursor(encodeCursor(key), ["name"])).toEqual(key);
  });

  it("are URL-safe", () => {
    expect(encodeCursor({ id: "???>>>~~~" })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ["garbage", "%%%not-base64%%%"],
    ["an empty string", ""],
    ["JSON that is not an object", Buffer.from('"id"').toString("base64url")],
    ["JSON null", Buffer.from("null").toString("base64url")],
    ["a missing field", encodeCursor({ createdAt: "x" })],
    ["a field of the wrong type", Buffer.from(JSON.stringify({ createdAt: "x", id: 7 })).toString("base64url")],
    ["truncated JSON", encodeCursor({ createdAt: "x", id: "y" }).slice(0, -4)],
  ])("refuse %s with a 400 invalid_cursor", (_what, cursor) => {
    const err = decodeError(cursor, ["createdAt", "id"]);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 400, code: "invalid_cursor" });
  });
});
