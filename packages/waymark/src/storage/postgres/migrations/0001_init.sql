-- Runs, their memoized steps and their history, in the store's own schema (the migration
-- runs with search_path set to it). Times are epoch ms (bigint); JSON values are text, kept
-- byte for byte as the engine wrote them (NULL means "undefined", the text 'null' means null).
-- Foreign keys are DEFERRABLE so `waymark migrate` can copy runs in any order. Ids and keys
-- use the "C" collation: byte order, as SQLite sorts them (UUIDv7 ids sort by creation).

CREATE TABLE runs (
  id               text COLLATE "C" PRIMARY KEY,
  workflow_name    text NOT NULL,
  workflow_version text,
  status           text NOT NULL CHECK (status IN
                     ('pending', 'running', 'sleeping', 'waiting', 'paused',
                      'completed', 'failed', 'cancelled')),
  input            text,
  output           text,
  error            text,
  parent_run_id    text COLLATE "C" REFERENCES runs (id) DEFERRABLE INITIALLY IMMEDIATE,
  parent_step_key  text,
  idempotency_key  text,
  created_at       bigint NOT NULL,
  updated_at       bigint NOT NULL,
  started_at       bigint,
  finished_at      bigint,
  wake_at          bigint,
  deadline_at      bigint,
  lease_owner      text,
  lease_expires_at bigint,
  fencing_token    integer NOT NULL DEFAULT 0,
  recovery_count   integer NOT NULL DEFAULT 0,
  pause_requested  boolean NOT NULL DEFAULT false,
  -- While paused: the parked status the run returns to on resume.
  paused_from      text CHECK (paused_from IN ('pending', 'sleeping', 'waiting')),
  -- The exact definition a run started with (a YAML workflow's text); NULL for code.
  definition_source text,
  definition_hash   text,
  definition_file   text
);

-- Claiming: parked runs in due order, and running runs whose lease expired.
CREATE INDEX runs_due_idx ON runs (wake_at, id)
  WHERE status IN ('pending', 'sleeping', 'waiting');
CREATE INDEX runs_lease_idx ON runs (lease_expires_at, id) WHERE status = 'running';
CREATE UNIQUE INDEX runs_idempotency_key_idx ON runs (idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- Listing children newest first, and walking the tree on cancel.
CREATE INDEX runs_parent_idx ON runs (parent_run_id, id) WHERE parent_run_id IS NOT NULL;
CREATE INDEX runs_workflow_idx ON runs (workflow_name, id);
CREATE INDEX runs_status_idx ON runs (status, id);

CREATE TABLE steps (
  run_id       text COLLATE "C" NOT NULL REFERENCES runs (id) DEFERRABLE INITIALLY IMMEDIATE,
  key          text COLLATE "C" NOT NULL,
  -- First-insert order (an upsert keeps it): the order steps were first recorded.
  position     bigint GENERATED ALWAYS AS IDENTITY,
  name         text NOT NULL,
  kind         text NOT NULL,
  status       text NOT NULL,
  attempt      integer NOT NULL,
  output       text,
  error        text,
  started_at   bigint NOT NULL,
  finished_at  bigint,
  wake_at      bigint,
  child_run_id text COLLATE "C",
  PRIMARY KEY (run_id, key)
);

-- A child run that ends settles every step waiting on it.
CREATE INDEX steps_child_idx ON steps (child_run_id) WHERE child_run_id IS NOT NULL;

CREATE TABLE events (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id      text COLLATE "C" NOT NULL REFERENCES runs (id) DEFERRABLE INITIALLY IMMEDIATE,
  type        text NOT NULL,
  step_key    text,
  attempt     integer,
  at          bigint NOT NULL,
  duration_ms bigint,
  data        text NOT NULL
);

CREATE INDEX events_run_idx ON events (run_id, seq);
