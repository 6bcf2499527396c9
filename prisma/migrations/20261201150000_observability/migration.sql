-- Operational visibility (#14): the trace context an event was accepted under, operational
-- events (what they are about, and the outbox of their fan-out), and the per-webhook state
-- that bounds them. Constant defaults: no table rewrite.
-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN     "failing_notice_open" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "failing_noticed_at" TIMESTAMPTZ(3),
ADD COLUMN     "exhausted_noticed_at" TIMESTAMPTZ(3),
ADD COLUMN     "exhausted_folded" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "trace_context" TEXT;

-- CreateTable
CREATE TABLE "operational_events" (
    "event_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "fanned_out_at" TIMESTAMPTZ(3),

    CONSTRAINT "operational_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE INDEX "operational_events_webhook_id_created_at_idx" ON "operational_events"("webhook_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "operational_events_fanned_out_at_created_at_idx" ON "operational_events"("fanned_out_at", "created_at");

-- AddForeignKey
ALTER TABLE "operational_events" ADD CONSTRAINT "operational_events_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operational_events" ADD CONSTRAINT "operational_events_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operational_events" ADD CONSTRAINT "operational_events_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

