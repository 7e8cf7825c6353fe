-- What the pipeline says about an item's ends, for lists: the original's preview (from
-- preprocess), the result's preview and bytes (from publish). A preview is {key, width, height}.
ALTER TABLE media ADD COLUMN original_preview jsonb;
ALTER TABLE media ADD COLUMN result_preview jsonb;
ALTER TABLE media ADD COLUMN result_bytes bigint CHECK (result_bytes >= 0);

-- Whole-item ETAs read the stage durations of recently completed items.
CREATE INDEX media_completed_recent_idx ON media (updated_at DESC) WHERE status = 'COMPLETED';
