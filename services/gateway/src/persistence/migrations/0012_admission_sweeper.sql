-- Per-user admission: an item is handed to the pipeline (its uploaded event published) when its
-- owner has fewer than REVIVE_MAX_IN_FLIGHT_PER_USER items in flight; until then it waits QUEUED
-- with released_at NULL. Items from before this migration were all published at upload.
ALTER TABLE media ADD COLUMN released_at timestamptz(3);
UPDATE media SET released_at = created_at;
CREATE INDEX media_waiting_idx ON media (owner_id, created_at, id) WHERE released_at IS NULL AND status = 'QUEUED';

-- The sweeper: when it last deleted what the finished item no longer needs (NULL: not yet).
ALTER TABLE media ADD COLUMN swept_at timestamptz(3);
CREATE INDEX media_unswept_idx ON media (updated_at) WHERE swept_at IS NULL AND status IN ('COMPLETED', 'FAILED', 'CANCELLED');
