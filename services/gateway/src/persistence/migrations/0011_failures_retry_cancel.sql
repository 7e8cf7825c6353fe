-- Why items failed, every time they failed: media.error keeps only the latest failure, and a
-- retried item may fail again. Operators ask "where did failed jobs go": these rows answer, per
-- item and in aggregate (by stage and code).
CREATE TABLE media_failures (
  id         bigserial PRIMARY KEY,
  media_id   uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  stage      text NOT NULL,
  code       text NOT NULL,
  message    text NOT NULL,
  attempt    integer NOT NULL,
  at         timestamptz(3) NOT NULL,
  -- Which retryMedia round the item was in (0: before any retry).
  retry      integer NOT NULL DEFAULT 0
);
CREATE INDEX media_failures_media_idx ON media_failures (media_id, id);
CREATE INDEX media_failures_stage_code_idx ON media_failures (stage, code, id DESC);

-- CANCELLED: cancelMedia stopped the item; final, like COMPLETED and FAILED.
ALTER TABLE media DROP CONSTRAINT IF EXISTS media_status_check;
ALTER TABLE media ADD CONSTRAINT media_status_check CHECK (status IN ('QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'));

-- How many times retryMedia restarted the item (the suffix of the re-published event's msgID).
ALTER TABLE media ADD COLUMN retries integer NOT NULL DEFAULT 0;

-- Signed webhooks: where to POST the item's outcome, and each delivery attempt made.
ALTER TABLE media ADD COLUMN callback_url text;
CREATE TABLE webhook_deliveries (
  id           bigserial PRIMARY KEY,
  media_id     uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  status       text NOT NULL,
  attempt      integer NOT NULL,
  http_status  integer,
  error        text,
  at           timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_media_idx ON webhook_deliveries (media_id, id);
