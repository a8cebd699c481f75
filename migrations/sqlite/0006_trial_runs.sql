-- A run made with --force while registration was still open is a trial: it
-- is reported and exported as such, and the first real run after closing
-- replaces it without --replace. Runs stored before this column are real.
ALTER TABLE allocation_runs ADD COLUMN trial INTEGER NOT NULL DEFAULT 0 CHECK (trial IN (0, 1));
