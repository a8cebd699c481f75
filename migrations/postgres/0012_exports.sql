-- Each staff export of a run: when it was made, the last round it
-- included, and the SHA-256 of its manifest. The next export lists each
-- day's changes since the last one: places declined after it, and
-- appointments given by rounds after its last round.
CREATE TABLE exports (
    run_id          TEXT        NOT NULL,
    number          INTEGER     NOT NULL CHECK (number >= 1),
    exported_at     TIMESTAMPTZ NOT NULL,
    last_round      INTEGER     NOT NULL CHECK (last_round >= 1),
    manifest_sha256 TEXT        NOT NULL,
    PRIMARY KEY (run_id, number)
);
