-- Access control (#15): API keys' scopes and rotation (a grace period for the replaced key),
-- webhooks' client certificates for mutual TLS (the key sealed like other secrets), and the
-- audit log, kept apart from what it describes so a deleted webhook's history stays.
-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "replaced_by" TEXT,
ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY['*']::TEXT[];

-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN     "client_certificate" TEXT,
ADD COLUMN     "client_key_cipher" TEXT;

-- CreateTable
CREATE TABLE "audit_log" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT,
    "actor_name" TEXT,
    "request_id" TEXT,
    "changes" JSONB,
    "reason" TEXT,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_log_account_id_at_id_idx" ON "audit_log"("account_id", "at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_log_account_id_target_id_at_id_idx" ON "audit_log"("account_id", "target_id", "at" DESC, "id" DESC);

-- AddForeignKey
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

