-- DropIndex
DROP INDEX "deliveries_webhook_id_event_type_created_at_idx";

-- DropIndex
DROP INDEX "deliveries_webhook_id_status_created_at_idx";

