-- The workflows a run's definition may start as child runs (its `run` steps), as they were
-- when it started: JSON text, by the reference as written, each with its source, hash, file
-- and nested ones. NULL when none were recorded.
ALTER TABLE runs ADD COLUMN definition_nested text;
