import { createHash } from "node:crypto";
import { apiKeyPrefix, generateApiKey, hashesEqual, hashSecret, secretsEqual } from "../../src/accounts/api-keys";

describe("generateApiKey", () => {
  it("returns a key of the shape hr_<12 alphanumerics>_<43 base64url characters>", () => {
    for (let i = 0; i < 100; i++) {
      expect(generateApiKey().key).toMatch(/^hr_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    }
  });

  it("returns the prefix that apiKeyPrefix finds in the key", () => {
    for (let i = 0; i < 100; i++) {
      const { key, prefix } = generateApiKey();
      expect(key.startsWith(`${prefix}_`)).toBe(true);
      expect(apiKeyPrefix(key)).toBe(prefix);
    }
  });

  it("returns the hash of the whole key", () => {
    const { key, hash } = generateApiKey();
    expect(hash).toBe(hashSecret(key));
  });

  it("returns different keys and prefixes on every call", () => {
    const keys = Array.from({ length: 50 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.key)).size).toBe(50);
    expect(new Set(keys.map((k) => k.prefix)).size).toBe(50);
  });
});

describe("apiKeyPrefix", () => {
  const secret = "A".repeat(40) + "_-z";

  it("returns the lookup prefix of a well-formed key", () => {
    expect(apiKeyPrefix(`hr_abcDEF123456_${secret}`)).toBe("hr_abcDEF123456");
  });

  it.each([
    ["an empty string", ""],
    ["a wrong product prefix", `xx_abcDEF123456_${secret}`],
    ["a lookup part one character short", `hr_abcDEF12345_${secret}`],
    ["a lookup part with a symbol", `hr_abcDEF12345-_${secret}`],
    ["a secret one character short", `hr_abcDEF123456_${secret.slice(1)}`],
    ["a secret one character long", `hr_abcDEF123456_${secret}A`],
    ["a secret with a base64 '+'", `hr_abcDEF123456_${secret.slice(1)}+`],
    ["surrounding whitespace", ` hr_abcDEF123456_${secret}`],
    ["a trailing newline", `hr_abcDEF123456_${secret}\n`],
  ])("returns null for %s", (_what, key) => {
    expect(apiKeyPrefix(key)).toBeNull();
  });
});

describe("hashSecret", () => {
  it("is the lowercase hex SHA-256 of the UTF-8 bytes", () => {
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashSecret("é")).toBe(createHash("sha256").update(Buffer.from([0xc3, 0xa9])).digest("hex"));
  });

  it("is deterministic and tells different secrets apart", () => {
    expect(hashSecret("one")).toBe(hashSecret("one"));
    expect(hashSecret("one")).not.toBe(hashSecret("One"));
  });
});

describe("secretsEqual", () => {
  it("is true for equal secrets", () => {
    expect(secretsEqual("admin-key-123", "admin-key-123")).toBe(true);
    expect(secretsEqual("", "")).toBe(true);
  });

  it("is false for different secrets of the same length", () => {
    expect(secretsEqual("admin-key-123", "admin-key-124")).toBe(false);
  });

  it("is false, without throwing, for secrets of different lengths", () => {
    expect(secretsEqual("admin-key-123", "admin-key-1234")).toBe(false);
    expect(secretsEqual("x", "")).toBe(false);
  });
});

describe("hashesEqual", () => {
  const h = hashSecret("a");

  it("is true for equal hashes regardless of hex case", () => {
    expect(hashesEqual(h, h)).toBe(true);
    expect(hashesEqual(h, h.toUpperCase())).toBe(true);
  });

  it("is false for different hashes", () => {
    expect(hashesEqual(h, hashSecret("b"))).toBe(false);
  });

  it("is false, without throwing, for hashes of different lengths", () => {
    expect(hashesEqual(h, h.slice(0, 32))).toBe(false);
    expect(hashesEqual(h, "")).toBe(false);
  });

  it("is false for malformed hex", () => {
    expect(hashesEqual("abc", "abd")).toBe(false);
    expect(hashesEqual("zz", "")).toBe(false);
    expect(hashesEqual(`${h}zz`, h)).toBe(false);
  });
});
