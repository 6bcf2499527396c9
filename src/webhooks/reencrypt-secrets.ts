import { sealedKeyId, type SecretBox } from "../lib/secret-box";
import type { Sql } from "../lib/prisma";

/**
 * The second half of an encryption-key rotation (README, "Rotating the encryption key"): once
 * every process has the new key first in HOOKRELAY_ENCRYPTION_KEYS, re-seal each stored
 * secret that is still under an older key, so the old key can be removed. Idempotent, and safe
 * while the API runs: each value is replaced only if it is still the one that was read.
 */
const SEALED_COLUMNS = ["verify_token_cipher", "previous_secret_cipher", "client_key_cipher"] as const;

export interface ReencryptResult {
  keyId: string;
  webhooks: number;
  reencrypted: number;
  /** `<webhook id>.<column>` of values no key of the ring opens; left as they are. */
  unreadable: string[];
}

export async function reencryptSecrets(sql: Sql, box: SecretBox, activeKeyId: string, batchSize = 500): Promise<ReencryptResult> {
  const result: ReencryptResult = { keyId: activeKeyId, webhooks: 0, reencrypted: 0, unreadable: [] };
  let after = "";
  for (;;) {
    const { rows } = await sql.query<Record<"id" | (typeof SEALED_COLUMNS)[number], string | null>>(
      `SELECT id, ${SEALED_COLUMNS.join(", ")} FROM webhooks WHERE id > $1 ORDER BY id LIMIT $2`,
      [after, batchSize],
    );
    if (rows.length === 0) return result;
    for (const row of rows) {
      const id = row.id!;
      for (const column of SEALED_COLUMNS) {
        const sealed = row[column];
        if (sealed === null || sealedKeyId(sealed) === activeKeyId) continue;
        let resealed: string;
        try {
          resealed = box.seal(box.open(sealed));
        } catch {
          result.unreadable.push(`${id}.${column}`);
          continue;
        }
        // Compare-and-swap: a secret rotated or changed meanwhile keeps its new value.
        const updated = await sql.query(`UPDATE webhooks SET ${column} = $1 WHERE id = $2 AND ${column} = $3`, [resealed, id, sealed]);
        result.reencrypted += updated.rowCount ?? 0;
      }
    }
    result.webhooks += rows.length;
    after = rows[rows.length - 1]!.id!;
  }
}
