-- Steps and events stored clustered by run (WITHOUT ROWID, primary key led by run_id): each
-- insert writes one B-tree instead of a table and an index, and a run's rows sit together.
-- Their `seq` comes from the `counters` row 'seq' (see seq-counter.ts), assigned under the
-- write lock, so it still increases across the whole database and is never reused.

CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE steps_by_run (
  run_id       TEXT NOT NULL REFERENCES runs (id),
  key          TEXT NOT NULL,
  -- When the step was first recorded (an upsert keeps it): listings keep that order.
  seq          INTEGER NOT NULL,
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
) WITHOUT ROWID;

-- rowid was first-insert order, which seq keeps. Rows of runs deleted by hand (the sqlite3
-- shell runs without foreign keys) are left behind: the copy checks the foreign key.
INSERT INTO steps_by_run (run_id, key, seq, name, kind, status, attempt, output, error,
  started_at, finished_at, wake_at, child_run_id)
SELECT run_id, key, rowid, name, kind, status, attempt, output, error,
  started_at, finished_at, wake_at, child_run_id
FROM steps WHERE run_id IN (SELECT id FROM runs);

CREATE TABLE events_by_run (
  run_id      TEXT NOT NULL REFERENCES runs (id),
  seq         INTEGER NOT NULL,
  type        TEXT NOT NULL,
  step_key    TEXT,
  attempt     INTEGER,
  at          INTEGER NOT NULL,
  duration_ms INTEGER,
  data        TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

INSERT INTO events_by_run (run_id, seq, type, step_key, attempt, at, duration_ms, data)
SELECT run_id, seq, type, step_key, attempt, at, duration_ms, data FROM events
WHERE run_id IN (SELECT id FROM runs);

-- Past every seq and step rowid handed out so far, including those of deleted rows.
INSERT INTO counters (name, value) VALUES ('seq', MAX(
  COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
  COALESCE((SELECT MAX(seq) FROM events), 0),
  COALESCE((SELECT MAX(rowid) FROM steps), 0)));

DROP TABLE steps;
DROP TABLE events;
ALTER TABLE steps_by_run RENAME TO steps;
ALTER TABLE events_by_run RENAME TO events;

-- A child run that ends settles every step waiting on it.
CREATE INDEX steps_child_idx ON steps (child_run_id) WHERE child_run_id IS NOT NULL;

-- The claim indexes hold only the runs they can find: due ones have a wake time, running
-- ones a lease. Ended runs (most rows, in time) drop out of both, and an insert or an end
-- no longer writes an entry nobody reads. `wake_at <= @now` and `lease_expires_at <= @now`
-- imply the conditions, so the claim queries still use them.
DROP INDEX runs_due_idx;
CREATE INDEX runs_due_idx ON runs (status, wake_at, id) WHERE wake_at IS NOT NULL;
DROP INDEX runs_lease_idx;
CREATE INDEX runs_lease_idx ON runs (status, lease_expires_at, id)
  WHERE lease_expires_at IS NOT NULL;
-- Listing by status (`waymark list --status failed`), newest first, which the two above no
-- longer serve for every status.
CREATE INDEX runs_status_idx ON runs (status, id);
