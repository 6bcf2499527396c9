import { randomBytes } from "node:crypto";
import { createSecretBox, type KeyringEntry, SecretBoxError, sealedKeyId } from "../../src/lib/secret-box";

const oldKey: KeyringEntry = { id: "old", key: randomBytes(32) };
const newKey: KeyringEntry = { id: "new", key: randomBytes(32) };

function replacePart(sealed: string, index: number, replace: (part: string) => string): string {
  const parts = sealed.split(".");
  parts[index] = replace(parts[index] ?? "");
  return parts.join(".");
}

function flipFirstByte(b64: string): string {
  const bytes = Buffer.from(b64, "base64url");
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString("base64url");
}

describe("createSecretBox", () => {
  const box = createSecretBox([oldKey]);

  it.each([
    ["ASCII", "hr-verify-token-0123456789"],
    ["non-ASCII", "clé secrète – 秘密 🔑"],
    ["empty", ""],
  ])("opens what it sealed (%s)", (_what, plaintext) => {
    expect(box.open(box.seal(plaintext))).toBe(plaintext);
  });

  it("seals in the format v1.<keyId>.<iv>.<tag>.<ciphertext>", () => {
    const [version, keyId, iv, tag, ct, ...rest] = box.seal("abc").split(".");
    expect(version).toBe("v1");
    expect(keyId).toBe("old");
    expect(Buffer.from(iv ?? "", "base64url")).toHaveLength(12);
    expect(Buffer.from(tag ?? "", "base64url")).toHaveLength(16);
    expect(Buffer.from(ct ?? "", "base64url")).toHaveLength(3);
    expect(rest).toEqual([]);
  });

  it("does not reveal the plaintext", () => {
    expect(box.seal("visible-plaintext")).not.toContain("visible");
  });

  it("seals the same plaintext differently each time", () => {
    const a = box.seal("same");
    const b = box.seal("same");
    expect(a).not.toBe(b);
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
  });

  it.each([
    ["iv", 2],
    ["tag", 3],
    ["ciphertext", 4],
  ])("refuses a sealed secret whose %s was tampered with", (_part, index) => {
    const tampered = replacePart(box.seal("top secret"), index, flipFirstByte);
    expect(() => box.open(tampered)).toThrow();
  });

  it("refuses a sealed secret whose key id was changed to another key of the ring", () => {
    const ring = createSecretBox([newKey, oldKey]);
    const tampered = replacePart(ring.seal("top secret"), 1, () => "old");
    expect(() => ring.open(tampered)).toThrow();
  });

  it("refuses a secret sealed with a key it does not have, naming the key id", () => {
    const other = createSecretBox([newKey]);
    expect(() => box.open(other.seal("x"))).toThrow(new SecretBoxError('no key "new" in the keyring'));
  });

  it("refuses a secret sealed under the same id with a different key", () => {
    const impostor = createSecretBox([{ id: "old", key: randomBytes(32) }]);
    expect(() => box.open(impostor.seal("x"))).toThrow();
  });

  it("refuses a sealed secret whose tag was truncated", () => {
    const truncated = replacePart(box.seal("top secret"), 3, (tag) => Buffer.from(tag, "base64url").subarray(0, 4).toString("base64url"));
    expect(() => box.open(truncated)).toThrow();
  });

  it.each([
    ["an empty string", ""],
    ["plain text", "not sealed"],
    ["too few parts", "v1.old.aaaa.bbbb"],
    ["an unknown version", "v2.old.aaaa.bbbb.cccc"],
    ["an empty key id", "v1..aaaa.bbbb.cccc"],
  ])("refuses %s as not a sealed secret", (_what, sealed) => {
    expect(() => box.open(sealed)).toThrow(new SecretBoxError("not a sealed secret"));
  });

  it("names its errors so they survive serialization", () => {
    expect(new SecretBoxError("x").name).toBe("SecretBoxError");
  });

  it("refuses an empty keyring", () => {
    expect(() => createSecretBox([])).toThrow(new SecretBoxError("the keyring is empty"));
  });

  describe("key rotation", () => {
    const before = createSecretBox([oldKey]);
    const after = createSecretBox([newKey, oldKey]);

    it("opens secrets sealed before the new key was prepended", () => {
      expect(after.open(before.seal("kept"))).toBe("kept");
    });

    it("tells which key a secret is sealed with, so re-encryption can skip those already under the new one", () => {
      expect(sealedKeyId(before.seal("x"))).toBe("old");
      expect(sealedKeyId(after.seal("x"))).toBe("new");
      expect(sealedKeyId("not sealed")).toBeNull();
      expect(sealedKeyId("v1..a.b.c")).toBeNull();
    });

    it("seals with the first key of the ring", () => {
      const sealed = after.seal("fresh");
      expect(sealed.split(".")[1]).toBe("new");
      expect(after.open(sealed)).toBe("fresh");
      expect(() => before.open(sealed)).toThrow(SecretBoxError);
    });
  });
});
