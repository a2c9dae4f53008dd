-- The runs table's CHECK constraints, written as comparisons instead of IN lists. SQLite
-- evaluates `x IN (three or more constants)` through an ephemeral b-tree that every
-- statement opens and frees again, with its own page cache (~85 KiB): each INSERT into runs
-- paid for two, and each UPDATE for one per constraint whose column it sets (a run's end sets
-- both). In a young process glibc hands that memory back to the OS each time: with the
-- per-write savepoint's sub-journal, measured at ~0.25-0.35 ms more for a run's creation and
-- for its end.
--
-- The constraints mean exactly what they meant, so every stored row still satisfies them
-- and only their text changes: SQLite's documented procedure for such a change edits the
-- table's entry in sqlite_schema (the store opens the connection unsafe for migrations;
-- defensive mode forbids this otherwise). The text replaced is 0001's, byte for byte: a
-- database whose text differs (created from a checkout with other line endings) keeps its
-- IN lists, which mean the same, only slower.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(replace(sql,
  'CHECK (status IN
                     (''pending'', ''running'', ''sleeping'', ''waiting'', ''paused'',
                      ''completed'', ''failed'', ''cancelled''))',
  'CHECK (status = ''pending'' OR status = ''running''
                     OR status = ''sleeping'' OR status = ''waiting'' OR status = ''paused''
                     OR status = ''completed'' OR status = ''failed'' OR status = ''cancelled'')'),
  'CHECK (paused_from IN (''pending'', ''sleeping'', ''waiting''))',
  'CHECK (paused_from = ''pending'' OR paused_from = ''sleeping''
                     OR paused_from = ''waiting'')')
WHERE type = 'table' AND name = 'runs';
-- This connection parses the new text at once; a DDL statement changes the schema cookie,
-- so every other connection does too before its next statement.
PRAGMA writable_schema = RESET;
CREATE TABLE schema_cookie_bump (x);
DROP TABLE schema_cookie_bump;
