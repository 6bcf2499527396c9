-- DropIndex
DROP INDEX "delivery_attempts_webhook_id_event_type_started_at_idx";

-- CreateTable
CREATE TABLE "portal_sessions" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "access" TEXT NOT NULL,
    "locale" TEXT,
    "product_name" TEXT,
    "accent_color" TEXT,
    "link_token_hash" TEXT NOT NULL,
    "link_expires_at" TIMESTAMPTZ(3) NOT NULL,
    "link_used_at" TIMESTAMPTZ(3),
    "token_hash" TEXT,
    "ttl_seconds" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "created_by_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "portal_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_hourly_stats" (
    "webhook_id" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "successes" INTEGER NOT NULL,
    "failures" INTEGER NOT NULL,
    "latency" INTEGER[],

    CONSTRAINT "webhook_hourly_stats_pkey" PRIMARY KEY ("webhook_id","hour")
);

-- CreateIndex
CREATE UNIQUE INDEX "portal_sessions_link_token_hash_key" ON "portal_sessions"("link_token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "portal_sessions_token_hash_key" ON "portal_sessions"("token_hash");

-- CreateIndex
CREATE INDEX "portal_sessions_account_id_idx" ON "portal_sessions"("account_id");

-- CreateIndex
CREATE INDEX "delivery_attempts_webhook_id_event_type_success_started_at_idx" ON "delivery_attempts"("webhook_id", "event_type", "success", "started_at" DESC);

-- AddForeignKey
ALTER TABLE "portal_sessions" ADD CONSTRAINT "portal_sessions_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_hourly_stats" ADD CONSTRAINT "webhook_hourly_stats_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

