-- The lottery commitment the run's seed was checked against: "sha256:" and
-- the SHA-256 (hex) of the seed, as published in campaign.toml before
-- registration opened. NULL when the campaign committed to no seed.
ALTER TABLE allocation_runs ADD COLUMN lottery_commitment TEXT;
