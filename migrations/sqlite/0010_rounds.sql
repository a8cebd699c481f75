-- Rounds: after the first allocation, people decline, centres report who
-- came, and later rounds give freed places to the waiting list.
--
-- An allocation row now says which round last set it (1 = `allocator run`,
-- 2 and on = `allocator round`), and may be 'declined': the person gave
-- their place back (neither an appointment nor a waiting-list position).
-- SQLite cannot alter a CHECK, so the table is rebuilt with its rows.
CREATE TABLE allocations_with_rounds (
    reference         TEXT    PRIMARY KEY REFERENCES applications (reference),
    run_id            TEXT    NOT NULL REFERENCES allocation_runs (run_id),
    priority          INTEGER NOT NULL,
    lottery           TEXT    NOT NULL,
    centre_id         TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('allocated', 'waitlisted', 'declined')),
    appointment_date  TEXT,
    window_start      TEXT,
    window_end        TEXT,
    choice_met        TEXT    NOT NULL,
    waitlist_position INTEGER,
    round             INTEGER NOT NULL DEFAULT 1 CHECK (round >= 1),
    CHECK ((status = 'allocated') = (appointment_date IS NOT NULL AND window_start IS NOT NULL)),
    CHECK ((status = 'waitlisted') = (waitlist_position IS NOT NULL))
) STRICT;
INSERT INTO allocations_with_rounds (reference, run_id, priority, lottery, centre_id, status, appointment_date,
                                     window_start, window_end, choice_met, waitlist_position)
    SELECT reference, run_id, priority, lottery, centre_id, status, appointment_date,
           window_start, window_end, choice_met, waitlist_position FROM allocations;
DROP TABLE allocations;
ALTER TABLE allocations_with_rounds RENAME TO allocations;

-- Every decline, never deleted: the place it released (and the round that
-- had given it), when and how, and whether the person asked to rejoin the
-- waiting list (with the decline or later), at their original priority.
-- Keyed by the run: a replaced run leaves its declines on record.
CREATE TABLE declines (
    reference        TEXT    NOT NULL,
    run_id           TEXT    NOT NULL,
    round            INTEGER NOT NULL,
    centre_id        TEXT    NOT NULL,
    appointment_date TEXT    NOT NULL,
    window_start     TEXT    NOT NULL,
    window_end       TEXT    NOT NULL,
    declined_at      TEXT    NOT NULL,
    declined_via     TEXT    NOT NULL CHECK (declined_via IN ('form', 'api')),
    rejoined_at      TEXT,
    rejoined_via     TEXT    CHECK (rejoined_via IN ('form', 'api')),
    CHECK ((rejoined_at IS NULL) = (rejoined_via IS NULL)),
    PRIMARY KEY (reference, run_id, round)
) STRICT;

-- One record per round after the first: its arguments, a fingerprint of
-- everything it read, and its counts (freed = given + left_free).
CREATE TABLE allocation_rounds (
    run_id            TEXT    NOT NULL,
    round             INTEGER NOT NULL CHECK (round >= 2),
    started_at        TEXT    NOT NULL,
    not_before        TEXT    NOT NULL,
    input_fingerprint TEXT    NOT NULL,
    waiting           INTEGER NOT NULL,
    freed             INTEGER NOT NULL,
    given             INTEGER NOT NULL,
    left_free         INTEGER NOT NULL,
    PRIMARY KEY (run_id, round)
) STRICT;

-- What each round changed, with the row as it was before: the audit trail,
-- and how `allocator round --replace` undoes the last round exactly.
CREATE TABLE round_changes (
    run_id                   TEXT    NOT NULL,
    round                    INTEGER NOT NULL,
    reference                TEXT    NOT NULL,
    before_status            TEXT    NOT NULL,
    before_appointment_date  TEXT,
    before_window_start      TEXT,
    before_window_end        TEXT,
    before_choice_met        TEXT    NOT NULL,
    before_waitlist_position INTEGER,
    before_round             INTEGER NOT NULL,
    PRIMARY KEY (run_id, round, reference)
) STRICT;

-- What the centres reported: did the person come on their day. No row
-- means unknown. `source` is the SHA-256 of the file it came from.
CREATE TABLE attendance (
    reference        TEXT    NOT NULL,
    run_id           TEXT    NOT NULL,
    centre_id        TEXT    NOT NULL,
    appointment_date TEXT    NOT NULL,
    attended         INTEGER NOT NULL CHECK (attended IN (0, 1)),
    source           TEXT    NOT NULL,
    recorded_at      TEXT    NOT NULL,
    PRIMARY KEY (reference, run_id, appointment_date)
) STRICT;
