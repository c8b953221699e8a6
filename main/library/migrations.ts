/**
 * Numbered schema migrations. The database's `PRAGMA user_version` is the number of the last one
 * applied. Each migration runs in its own transaction together with the version bump, so a crash
 * leaves the file at the old version or the new one, never between.
 * Never edit a migration that has shipped: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'projects, cards, takes, media, timelines',
    sql: `
CREATE TABLE projects (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

-- Content-addressed media beside the library file: media/<sha256 prefix>/<sha256>.<ext>.
CREATE TABLE media (
  sha256      TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  ext         TEXT NOT NULL,
  mime        TEXT NOT NULL,
  bytes       INTEGER NOT NULL CHECK (bytes >= 0),
  created_at  TEXT NOT NULL
);

CREATE TABLE cards (
  id             TEXT PRIMARY KEY,
  project_id     TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  position       INTEGER NOT NULL,
  prompt         TEXT NOT NULL DEFAULT '',
  settings_json  TEXT NOT NULL CHECK (json_valid(settings_json)),
  chosen_take_id TEXT REFERENCES takes(id) ON DELETE SET NULL,
  image_sha256   TEXT REFERENCES media(sha256),
  deleted_at     TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX cards_by_project ON cards(project_id, position);

CREATE TABLE takes (
  id               TEXT PRIMARY KEY,
  card_id          TEXT NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed', 'cancelled')),
  -- Full provenance (prompt, seed, settings, pack id and sha256, provider, conditioning hashes...).
  provenance_json  TEXT NOT NULL CHECK (json_valid(provenance_json)),
  video_sha256     TEXT REFERENCES media(sha256),
  thumb_sha256     TEXT REFERENCES media(sha256),
  width            INTEGER,
  height           INTEGER,
  frames           INTEGER,
  rate_num         INTEGER,
  rate_den         INTEGER,
  error            TEXT,
  deleted_at       TEXT,
  created_at       TEXT NOT NULL,
  finished_at      TEXT,
  -- A ready take always has its video; nothing is ever half-written.
  CHECK (status <> 'ready' OR (video_sha256 IS NOT NULL AND frames > 0 AND rate_num > 0 AND rate_den > 0))
);
CREATE INDEX takes_by_card ON takes(card_id, created_at);

CREATE TABLE conditioning (
  take_id   TEXT NOT NULL REFERENCES takes(id) ON DELETE CASCADE,
  role      TEXT NOT NULL,
  sha256    TEXT NOT NULL REFERENCES media(sha256),
  PRIMARY KEY (take_id, role)
);

-- Timelines are plain and editor-neutral, shaped like OpenTimelineIO:
-- Timeline > Tracks > Items (clip = take + source range, or gap). Times are whole frames at the
-- timeline's rational rate (rate_num / rate_den frames per second).
CREATE TABLE timelines (
  id          TEXT PRIMARY KEY,
  project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  rate_num    INTEGER NOT NULL CHECK (rate_num > 0),
  rate_den    INTEGER NOT NULL CHECK (rate_den > 0),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE tracks (
  id           TEXT PRIMARY KEY,
  timeline_id  TEXT NOT NULL REFERENCES timelines(id) ON DELETE CASCADE,
  kind         TEXT NOT NULL CHECK (kind IN ('video', 'audio')),
  position     INTEGER NOT NULL,
  name         TEXT NOT NULL
);

CREATE TABLE items (
  id              TEXT PRIMARY KEY,
  track_id        TEXT NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
  position        INTEGER NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('clip', 'gap')),
  take_id         TEXT REFERENCES takes(id) ON DELETE RESTRICT,
  source_start    INTEGER NOT NULL DEFAULT 0 CHECK (source_start >= 0),
  duration        INTEGER NOT NULL CHECK (duration > 0),
  CHECK ((kind = 'clip') = (take_id IS NOT NULL))
);
CREATE INDEX items_by_track ON items(track_id, position);
`,
  },
];


migrations.push({
  version: 2,
  name: 'take frames (lossless, content-addressed) and the card picture crop',
  sql: `
-- Every frame of a take, lossless, in order: what extension, bridging and retakes read from.
CREATE TABLE take_frames (
  take_id  TEXT NOT NULL REFERENCES takes(id) ON DELETE CASCADE,
  idx      INTEGER NOT NULL CHECK (idx >= 0),
  sha256   TEXT NOT NULL REFERENCES media(sha256),
  PRIMARY KEY (take_id, idx)
);
-- How long the take took, for the details panel and the bench of real use.
ALTER TABLE takes ADD COLUMN elapsed_ms INTEGER;
`,
});

migrations.push({
  version: 3,
  name: 'preferences (the model pack new takes are made with)',
  sql: `
-- Choices that belong to the whole library, not to a project: small JSON values by key.
CREATE TABLE preferences (
  key         TEXT PRIMARY KEY,
  value_json  TEXT NOT NULL CHECK (json_valid(value_json))
);
`,
});

export const SCHEMA_VERSION = migrations[migrations.length - 1]!.version;
