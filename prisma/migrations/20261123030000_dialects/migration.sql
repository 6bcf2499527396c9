-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN     "dialect" TEXT NOT NULL DEFAULT 'meta',
ADD COLUMN     "dialect_options" JSONB,
ADD COLUMN     "previous_secret_cipher" TEXT,
ADD COLUMN     "previous_secret_expires_at" TIMESTAMPTZ(3);

