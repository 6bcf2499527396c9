-- Data lifecycle (#13): soft-deleted webhooks (status deleted, deleted_at) and cancelled
-- deliveries; per-account retention; bulk replays; idempotency keys in a table of their own
-- (a unique index on the partitioned events would have to contain the event id). The
-- foreign keys among events, deliveries and attempts go: the three are partitioned together by
-- time in the next migration and their partitions dropped whole (src/retention/), which a
-- foreign key between partitioned tables would make scan the partition first.
-- CreateEnum
CREATE TYPE "replay_status" AS ENUM ('running', 'completed', 'cancelled');

-- AlterEnum
ALTER TYPE "webhook_status" ADD VALUE 'deleted';

-- AlterEnum
ALTER TYPE "delivery_status" ADD VALUE 'cancelled';

-- DropForeignKey
ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_event_id_fkey";

-- DropForeignKey
ALTER TABLE "delivery_attempts" DROP CONSTRAINT "delivery_attempts_delivery_id_fkey";

-- DropForeignKey
ALTER TABLE "operational_events" DROP CONSTRAINT "operational_events_event_id_fkey";

-- DropIndex
DROP INDEX "events_account_id_idempotency_key_key";

-- DropIndex
DROP INDEX "deliveries_webhook_id_created_at_idx";

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "retention_days" INTEGER;

-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN     "deleted_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "delivery_attempts" DROP CONSTRAINT "delivery_attempts_pkey",
ADD CONSTRAINT "delivery_attempts_pkey" PRIMARY KEY ("id", "delivery_id");

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "account_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("account_id","key")
);

-- CreateTable
CREATE TABLE "replays" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,
    "statuses" TEXT[],
    "event_types" TEXT[],
    "status" "replay_status" NOT NULL DEFAULT 'running',
    "matched" INTEGER NOT NULL,
    "replayed" INTEGER NOT NULL DEFAULT 0,
    "cursor" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "replays_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys"("created_at");

-- Keys already in use stay in use.
INSERT INTO "idempotency_keys" ("account_id", "key", "event_id", "created_at")
SELECT "account_id", "idempotency_key", "id", "created_at" FROM "events" WHERE "idempotency_key" IS NOT NULL;

-- CreateIndex
CREATE INDEX "replays_account_id_created_at_idx" ON "replays"("account_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "replays_status_updated_at_idx" ON "replays"("status", "updated_at");

-- CreateIndex
CREATE INDEX "deliveries_webhook_id_id_idx" ON "deliveries"("webhook_id", "id");

-- AddForeignKey
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "replays" ADD CONSTRAINT "replays_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "replays" ADD CONSTRAINT "replays_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

