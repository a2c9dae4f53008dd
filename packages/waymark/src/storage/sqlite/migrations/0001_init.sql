-- Runs, their memoized steps and their history. Times are epoch ms; JSON values are TEXT
-- (NULL means "undefined", the JSON text 'null' means null).

CREATE TABLE runs (
  id               TEXT PRIMARY KEY,
  workflow_name    TEXT NOT NULL,
  workflow_version TEXT,
  status           TEXT NOT NULL CHECK (status IN
                     ('pending', 'running', 'sleeping', 'waiting', 'paused',
                      'completed', 'failed', 'cancelled')),
  input            TEXT,
  output           TEXT,
  error            TEXT,
  parent_run_id    TEXT REFERENCES runs (id),
  parent_step_key  TEXT,
  idempotency_key  TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  wake_at          INTEGER,
  deadline_at      INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  fencing_token    INTEGER NOT NULL DEFAULT 0,
  recovery_count   INTEGER NOT NULL DEFAULT 0,
  pause_requested  INTEGER NOT NULL DEFAULT 0,
  -- While paused: the parked status the run returns to on resume.
  paused_from      TEXT CHECK (paused_from IN ('pending', 'sleeping', 'waiting'))
);

-- Claiming: one range scan per parked status, already in (wake_at, id) order.
CREATE INDEX runs_due_idx ON runs (status, wake_at, id);
-- Crash recovery: running runs whose lease expired.
CREATE INDEX runs_lease_idx ON runs (status, lease_expires_at, id);
CREATE UNIQUE INDEX runs_idempotency_key_idx ON runs (idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- Listing children newest first, and walking the tree on cancel.
CREATE INDEX runs_parent_idx ON runs (parent_run_id, id) WHERE parent_run_id IS NOT NULL;
CREATE INDEX runs_workflow_idx ON runs (workflow_name, id);

CREATE TABLE steps (
  run_id       TEXT NOT NULL REFERENCES runs (id),
  key          TEXT NOT NULL,
  name         TEXT NOT NULL,
  kind         TEXT NOT NULL,
  status       TEXT NOT NULL,
  attempt      INTEGER NOT NULL,
  output       TEXT,
  error        TEXT,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  wake_at      INTEGER,
  child_run_id TEXT,
  PRIMARY KEY (run_id, key)
);

-- A child run that ends settles every step waiting on it.
CREATE INDEX steps_child_idx ON steps (child_run_id) WHERE child_run_id IS NOT NULL;

CREATE TABLE events (
  -- AUTOINCREMENT: a seq is never reused, so a reader's `afterSeq` cursor stays valid
  -- even if old events are deleted.
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id      TEXT NOT NULL REFERENCES runs (id),
  type        TEXT NOT NULL,
  step_key    TEXT,
  attempt     INTEGER,
  at          INTEGER NOT NULL,
  duration_ms INTEGER,
  data        TEXT NOT NULL
);

CREATE INDEX events_run_idx ON events (run_id, seq);
