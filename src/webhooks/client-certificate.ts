import { createHash, createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import type { ClientIdentity } from "../egress/client-identities";
import type { SecretBox } from "../lib/secret-box";

/** A chain of a few certificates fits easily; a key (RSA 4096 as PEM) is ~3.3 kB. */
export const MAX_CLIENT_CERTIFICATE_CHARS = 32 * 1024;
export const MAX_CLIENT_KEY_CHARS = 16 * 1024;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** What the API shows of a webhook's client certificate: never the key. */
export interface ClientCertificateInfo {
  subject: string;
  issuer: string;
  notAfter: string;
  fingerprint256: string;
}

export type ClientCertificateVerdict =
  | { ok: true; info: ClientCertificateInfo }
  | { ok: false; field: "body.clientCertificate" | "body.clientKey"; message: string };

/**
 * Whether a certificate chain and key can be presented as a webhook's client identity: both
 * parse, the key is the leaf's, and the leaf is valid now. Pure (the time is given); an
 * encrypted key is refused, since nobody would be there to type its passphrase.
 */
export function checkClientCertificate(certificatePem: string, keyPem: string, now: Date): ClientCertificateVerdict {
  const chain = certificatePem.match(PEM_CERTIFICATE) ?? [];
  if (chain.length === 0) return { ok: false, field: "body.clientCertificate", message: "must be a PEM certificate (-----BEGIN CERTIFICATE-----), the leaf first" };
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(chain[0]!);
    for (const pem of chain.slice(1)) new X509Certificate(pem);
  } catch {
    return { ok: false, field: "body.clientCertificate", message: "is not a valid PEM certificate" };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyPem, format: "pem" });
  } catch (err) {
    const encrypted = /passphrase|ENCRYPTED/i.test(`${(err as Error).message} ${keyPem.slice(0, 200)}`);
    return { ok: false, field: "body.clientKey", message: encrypted ? "must be an unencrypted PEM private key" : "is not a valid PEM private key" };
  }
  if (!leaf.checkPrivateKey(key)) return { ok: false, field: "body.clientKey", message: "does not match the certificate (the first one of clientCertificate)" };
  if (new Date(leaf.validTo) <= now) return { ok: false, field: "body.clientCertificate", message: `expired on ${new Date(leaf.validTo).toISOString()}` };
  if (new Date(leaf.validFrom) > now) return { ok: false, field: "body.clientCertificate", message: `is not valid before ${new Date(leaf.validFrom).toISOString()}` };
  return { ok: true, info: describe(leaf) };
}

/**
 * What a create or update says about the client certificate: nothing (`value` undefined), remove
 * it (`clientCertificate: null`, null), or a new pair, checked. Both or neither.
 */
export function clientCertificateChange(
  input: { clientCertificate?: string | null; clientKey?: string },
  now: Date,
): { ok: true; value: { certificate: string; key: string } | null | undefined } | Extract<ClientCertificateVerdict, { ok: false }> {
  const { clientCertificate: certificate, clientKey: key } = input;
  if (certificate === null) {
    return key === undefined ? { ok: true, value: null } : { ok: false, field: "body.clientKey", message: "must be left out when clientCertificate is null (that removes both)" };
  }
  if (certificate === undefined && key === undefined) return { ok: true, value: undefined };
  if (certificate === undefined) return { ok: false, field: "body.clientCertificate", message: "required with clientKey" };
  if (key === undefined) return { ok: false, field: "body.clientKey", message: "required with clientCertificate" };
  const verdict = checkClientCertificate(certificate, key, now);
  return verdict.ok ? { ok: true, value: { certificate, key } } : verdict;
}

function describe(leaf: X509Certificate): ClientCertificateInfo {
  return {
    subject: leaf.subject.replaceAll("\n", ", "),
    issuer: leaf.issuer.replaceAll("\n", ", "),
    notAfter: new Date(leaf.validTo).toISOString(),
    fingerprint256: leaf.fingerprint256,
  };
}

/** The stored certificate as the API shows it; null when the webhook has none (or it no longer parses). */
export function clientCertificateInfo(certificatePem: string | null): ClientCertificateInfo | null {
  if (!certificatePem) return null;
  const leaf = certificatePem.match(PEM_CERTIFICATE)?.[0];
  try {
    return leaf ? describe(new X509Certificate(leaf)) : null;
  } catch {
    return null;
  }
}

/** The webhook columns that hold its client certificate. */
export interface StoredClientCertificate {
  clientCertificate: string | null;
  clientKeyCipher: string | null;
}

/**
 * The identity a webhook presents, or undefined when it has none. The key is unsealed only if
 * the outbound path builds a dispatcher for it (once per certificate, see IdentityDispatchers).
 */
export function clientIdentityFor(webhookId: string, w: StoredClientCertificate, box: Pick<SecretBox, "open">): ClientIdentity | undefined {
  const { clientCertificate, clientKeyCipher } = w;
  if (!clientCertificate || !clientKeyCipher) return undefined;
  return {
    webhookId,
    fingerprint: createHash("sha256").update(clientCertificate).update("\n").update(clientKeyCipher).digest("base64url"),
    certificate: clientCertificate,
    privateKey: () => box.open(clientKeyCipher),
  };
}

/** An identity from a certificate and key not stored yet (the handshake before a create or update). */
export function unsavedClientIdentity(webhookId: string, certificate: string, key: string): ClientIdentity {
  return { webhookId, fingerprint: createHash("sha256").update(certificate).update("\n").update(key).digest("base64url"), certificate, privateKey: () => key };
}
