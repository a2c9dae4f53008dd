-- The exact definition a run started with (a YAML workflow's text, its sha256 hex, its
-- file), so editing the file never changes a run in flight. NULL for code workflows.
ALTER TABLE runs ADD COLUMN definition_source TEXT;
ALTER TABLE runs ADD COLUMN definition_hash TEXT;
ALTER TABLE runs ADD COLUMN definition_file TEXT;
