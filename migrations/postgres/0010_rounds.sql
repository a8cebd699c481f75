-- Rounds: after the first allocation, people decline, centres report who
-- came, and later rounds give freed places to the waiting list.
--
-- An allocation row now says which round last set it (1 = `allocator run`,
-- 2 and on = `allocator round`), and may be 'declined': the person gave
-- their place back (neither an appointment nor a waiting-list position).
ALTER TABLE allocations DROP CONSTRAINT allocations_status_check;
ALTER TABLE allocations
    ADD CONSTRAINT allocations_status_check CHECK (status IN ('allocated', 'waitlisted', 'declined')),
    ADD COLUMN round INTEGER NOT NULL DEFAULT 1 CHECK (round >= 1);

-- Every decline, never deleted: the place it released (and the round that
-- had given it), when and how, and whether the person asked to rejoin the
-- waiting list (with the decline or later), at their original priority.
-- Keyed by the run: a replaced run leaves its declines on record.
CREATE TABLE declines (
    reference        TEXT        NOT NULL,
    run_id           TEXT        NOT NULL,
    round            INTEGER     NOT NULL,
    centre_id        TEXT        NOT NULL,
    appointment_date DATE        NOT NULL,
    window_start     TEXT        NOT NULL,
    window_end       TEXT        NOT NULL,
    declined_at      TIMESTAMPTZ NOT NULL,
    declined_via     TEXT        NOT NULL CHECK (declined_via IN ('form', 'api')),
    rejoined_at      TIMESTAMPTZ,
    rejoined_via     TEXT        CHECK (rejoined_via IN ('form', 'api')),
    CHECK ((rejoined_at IS NULL) = (rejoined_via IS NULL)),
    PRIMARY KEY (reference, run_id, round)
);

-- One record per round after the first: its arguments, a fingerprint of
-- everything it read, and its counts (freed = given + left_free).
CREATE TABLE allocation_rounds (
    run_id            TEXT        NOT NULL,
    round             INTEGER     NOT NULL CHECK (round >= 2),
    started_at        TIMESTAMPTZ NOT NULL,
    not_before        DATE        NOT NULL,
    input_fingerprint TEXT        NOT NULL,
    waiting           BIGINT      NOT NULL,
    freed             BIGINT      NOT NULL,
    given             BIGINT      NOT NULL,
    left_free         BIGINT      NOT NULL,
    PRIMARY KEY (run_id, round)
);

-- What each round changed, with the row as it was before: the audit trail,
-- and how `allocator round --replace` undoes the last round exactly.
CREATE TABLE round_changes (
    run_id                   TEXT    NOT NULL,
    round                    INTEGER NOT NULL,
    reference                TEXT    NOT NULL,
    before_status            TEXT    NOT NULL,
    before_appointment_date  DATE,
    before_window_start      TEXT,
    before_window_end        TEXT,
    before_choice_met        TEXT    NOT NULL,
    before_waitlist_position BIGINT,
    before_round             INTEGER NOT NULL,
    PRIMARY KEY (run_id, round, reference)
);

-- What the centres reported: did the person come on their day. No row
-- means unknown. `source` is the SHA-256 of the file it came from.
CREATE TABLE attendance (
    reference        TEXT        NOT NULL,
    run_id           TEXT        NOT NULL,
    centre_id        TEXT        NOT NULL,
    appointment_date DATE        NOT NULL,
    attended         BOOLEAN     NOT NULL,
    source           TEXT        NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (reference, run_id, appointment_date)
);
