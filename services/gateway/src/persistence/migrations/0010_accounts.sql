-- Accounts: who may call the API, and which media is whose.
CREATE TABLE users (
  id          uuid PRIMARY KEY,
  name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
  created_at  timestamptz(3) NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a token is kept: a leaked table grants nothing.
CREATE TABLE api_tokens (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  label       text,
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  expires_at  timestamptz(3),
  revoked_at  timestamptz(3)
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- Rows from before accounts keep a NULL owner: no caller matches them, and nothing is deleted.
ALTER TABLE media ADD COLUMN owner_id uuid REFERENCES users (id);
CREATE INDEX media_owner_created_at_id_idx ON media (owner_id, created_at DESC, id DESC);
