-- The claim indexes hold only the runs they can find: due ones have a wake time, running
-- ones a lease. Ended runs (most rows, in time) drop out of both, so the indexes stay the
-- size of the work in flight, not of the history. `wake_at <= @now` and
-- `lease_expires_at <= @now` imply the conditions, so the claim queries still use them.
DROP INDEX runs_due_idx;
CREATE INDEX runs_due_idx ON runs (status, wake_at, id) WHERE wake_at IS NOT NULL;
DROP INDEX runs_lease_idx;
CREATE INDEX runs_lease_idx ON runs (status, lease_expires_at, id)
  WHERE lease_expires_at IS NOT NULL;
-- Listing by status (`waymark list --status failed`), newest first, which the two above no
-- longer serve for every status.
CREATE INDEX runs_status_idx ON runs (status, id);
