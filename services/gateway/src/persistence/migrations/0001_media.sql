-- Media items as the API serves them. The gateway is the only writer: it inserts a row on
-- upload and the projection folds pipeline events into it.
CREATE TABLE media (
  id            uuid PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('image', 'video')),
  filename      text NOT NULL,
  content_type  text NOT NULL,
  bytes         bigint NOT NULL CHECK (bytes >= 0),
  status        text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED')),
  -- EnhanceOptions as the user asked, defaults filled in.
  options       jsonb NOT NULL,
  -- [{stage, status, progress, done, total, unit, startedAt, finishedAt, durationMs}] in flow
  -- order: always read and written whole with the row, so one document beats a child table.
  stages        jsonb NOT NULL CHECK (jsonb_typeof(stages) = 'array'),
  width         integer,
  height        integer,
  original_key  text NOT NULL,
  result_key    text,
  result_width  integer,
  result_height integer,
  -- {code, message, stage, attempt, at} once the item failed for good.
  error         jsonb,
  trace_id      text,
  -- Millisecond precision so a JavaScript Date (and so a page cursor) holds the exact value.
  created_at    timestamptz(3) NOT NULL DEFAULT now(),
  updated_at    timestamptz(3) NOT NULL DEFAULT now()
);

-- Keyset pagination, newest first: WHERE (created_at, id) < (cursor) ORDER BY created_at DESC, id DESC.
CREATE INDEX media_created_at_id_idx ON media (created_at DESC, id DESC);

-- Stream messages already folded into media, so a redelivery (to this replica or another) is
-- applied once. The id is the JetStream stream sequence; keyed with the media id because a
-- recreated stream restarts its sequence, and new messages then belong to new media.
CREATE TABLE projected_events (
  media_id      uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
  event_id      text NOT NULL,
  subject       text NOT NULL,
  projected_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (media_id, event_id)
);
