-- Webhook deliveries still to make, so a retry outlives the gateway that scheduled it: every
-- replica claims due rows (FOR UPDATE SKIP LOCKED), pushing due_at out by a lease while it posts;
-- a replica that dies mid-attempt leaves the row to be claimed again when the lease ends.
CREATE TABLE webhook_outbox (
  id        bigserial PRIMARY KEY,
  media_id  uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  url       text NOT NULL,
  body      text NOT NULL,
  attempt   integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  due_at    timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX webhook_outbox_due_idx ON webhook_outbox (due_at);
-- The same outcome queued twice (two replicas told at once) is one delivery while it is pending.
CREATE UNIQUE INDEX webhook_outbox_once_idx ON webhook_outbox (media_id, md5(body));
