-- hookrelay: beyond prisma
-- Partitioning, which Prisma's schema cannot express (the migrations test applies this file
-- after Prisma's own script, so the rest still has to match prisma/schema.prisma exactly).
--
-- Events, deliveries and attempts are range-partitioned by time, on ids that carry it: an
-- event's id starts with its creation time, a delivery's id with its event's (src/lib/ids.ts),
-- and attempts are partitioned by their delivery's id. An event, its deliveries and their
-- attempts therefore always share one time range, and retention drops the three partitions of
-- a range whole (src/retention/): no DELETE, no bloat, a cost that does not grow with the rows.
-- Partitions are made ahead of time at runtime; this migration makes only those the rows
-- already stored need. No default partition: DETACH ... CONCURRENTLY refuses one.

-- The smallest id of `prefix` made at or after `at`: a partition bound.
CREATE FUNCTION hookrelay_id_floor(prefix text, at timestamptz) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  ms bigint := floor(extract(epoch FROM at) * 1000)::bigint;
  out text := '';
BEGIN
  FOR i IN 1..10 LOOP
    out := substr(alphabet, (ms % 32)::int + 1, 1) || out;
    ms := ms / 32;
  END LOOP;
  RETURN prefix || '_' || out || '0000000000000000';
END $$;

-- When an id was made: the inverse of hookrelay_id_floor, to the millisecond.
CREATE FUNCTION hookrelay_id_time(id text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  digits text := substr(id, strpos(id, '_') + 1, 10);
  ms bigint := 0;
BEGIN
  FOR i IN 1..10 LOOP
    ms := ms * 32 + strpos(alphabet, substr(digits, i, 1)) - 1;
  END LOOP;
  RETURN to_timestamp(ms / 1000.0);
END $$;

ALTER TABLE "events" RENAME TO "events_unpartitioned";
ALTER TABLE "deliveries" RENAME TO "deliveries_unpartitioned";
ALTER TABLE "delivery_attempts" RENAME TO "delivery_attempts_unpartitioned";

CREATE TABLE "events" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "idempotency_key" TEXT,
    "is_test" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "trace_context" TEXT
) PARTITION BY RANGE ("id");

CREATE TABLE "deliveries" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "status" "delivery_status" NOT NULL DEFAULT 'pending',
    "is_test" BOOLEAN NOT NULL DEFAULT false,
    "attempt_count" INTEGER NOT NULL DEFAULT 0,
    "chain" INTEGER NOT NULL DEFAULT 0,
    "chain_attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL
) PARTITION BY RANGE ("id");

CREATE TABLE "delivery_attempts" (
    "id" TEXT NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "attempt_number" INTEGER NOT NULL,
    "is_test" BOOLEAN NOT NULL DEFAULT false,
    "success" BOOLEAN NOT NULL,
    "request_url" TEXT NOT NULL,
    "request_headers" JSONB NOT NULL,
    "response_status" INTEGER,
    "response_time_ms" INTEGER NOT NULL,
    "response_body" TEXT,
    "error_class" TEXT,
    "error_message" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
) PARTITION BY RANGE ("delivery_id");

-- One partition per UTC day that rows already stored fall in, by their ids (none on a new
-- database; the rest are made at runtime, src/retention/partitions.ts).
DO $$
DECLARE
  d timestamptz;
  suffix text;
BEGIN
  FOR d IN
    SELECT DISTINCT date_trunc('day', hookrelay_id_time(id), 'UTC') FROM (
      SELECT id FROM events_unpartitioned UNION ALL SELECT id FROM deliveries_unpartitioned
    ) ids ORDER BY 1
  LOOP
    suffix := to_char(d AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISS');
    EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', 'events_p' || suffix,
      hookrelay_id_floor('evt', d), hookrelay_id_floor('evt', d + interval '1 day'));
    EXECUTE format('CREATE TABLE %I PARTITION OF deliveries FOR VALUES FROM (%L) TO (%L)', 'deliveries_p' || suffix,
      hookrelay_id_floor('dlv', d), hookrelay_id_floor('dlv', d + interval '1 day'));
    EXECUTE format('CREATE TABLE %I PARTITION OF delivery_attempts FOR VALUES FROM (%L) TO (%L)', 'delivery_attempts_p' || suffix,
      hookrelay_id_floor('dlv', d), hookrelay_id_floor('dlv', d + interval '1 day'));
  END LOOP;
END $$;

INSERT INTO "events" SELECT * FROM "events_unpartitioned";
INSERT INTO "deliveries" SELECT * FROM "deliveries_unpartitioned";
INSERT INTO "delivery_attempts" SELECT * FROM "delivery_attempts_unpartitioned";
DROP TABLE "delivery_attempts_unpartitioned";
DROP TABLE "deliveries_unpartitioned";
DROP TABLE "events_unpartitioned";

-- The keys and indexes Prisma's schema declares, by Prisma's names.
ALTER TABLE "events" ADD CONSTRAINT "events_pkey" PRIMARY KEY ("id");
CREATE INDEX "events_account_id_created_at_idx" ON "events"("account_id", "created_at");
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id");
CREATE INDEX "deliveries_webhook_id_id_idx" ON "deliveries"("webhook_id", "id");
CREATE INDEX "deliveries_event_id_idx" ON "deliveries"("event_id");
CREATE INDEX "deliveries_status_next_attempt_at_idx" ON "deliveries"("status", "next_attempt_at");
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_pkey" PRIMARY KEY ("id", "delivery_id");
CREATE INDEX "delivery_attempts_delivery_id_attempt_number_idx" ON "delivery_attempts"("delivery_id", "attempt_number");
CREATE INDEX "delivery_attempts_webhook_id_started_at_idx" ON "delivery_attempts"("webhook_id", "started_at" DESC);
CREATE INDEX "delivery_attempts_webhook_id_success_started_at_idx" ON "delivery_attempts"("webhook_id", "success", "started_at" DESC);
CREATE INDEX "delivery_attempts_webhook_id_event_type_success_started_at_idx" ON "delivery_attempts"("webhook_id", "event_type", "success", "started_at" DESC);
ALTER TABLE "events" ADD CONSTRAINT "events_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
