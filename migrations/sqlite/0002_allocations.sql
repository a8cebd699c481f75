-- The allocation: one run (its published seed and what it produced) and one
-- row per application. allocator run writes both in one transaction; a new
-- run replaces the old one only when asked (--replace).
CREATE TABLE allocation_runs (
    run_id            TEXT    PRIMARY KEY,
    -- The lottery key, published so anyone can recompute the order.
    seed              TEXT    NOT NULL,
    -- SHA-256 over every application (reference and fingerprint) and the campaign files.
    input_fingerprint TEXT    NOT NULL,
    rule              TEXT    NOT NULL,
    started_at        TEXT    NOT NULL,
    finished_at       TEXT    NOT NULL,
    applicants        INTEGER NOT NULL,
    allocated         INTEGER NOT NULL,
    waitlisted        INTEGER NOT NULL,
    read_seconds      REAL    NOT NULL,
    allocate_seconds  REAL    NOT NULL,
    write_seconds     REAL    NOT NULL
) STRICT;

CREATE TABLE allocations (
    reference         TEXT    PRIMARY KEY REFERENCES applications (reference),
    run_id            TEXT    NOT NULL REFERENCES allocation_runs (run_id),
    -- 1-based place in the processing order (oldest first, then lottery).
    priority          INTEGER NOT NULL,
    -- The tie-break number (decimal: it is an unsigned 64-bit value).
    lottery           TEXT    NOT NULL,
    centre_id         TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('allocated', 'waitlisted')),
    -- YYYY-MM-DD and HH:MM; set exactly when allocated.
    appointment_date  TEXT,
    window_start      TEXT,
    window_end        TEXT,
    -- week1 ... weekN, other, or none (waitlisted).
    choice_met        TEXT    NOT NULL,
    waitlist_position INTEGER,
    CHECK ((status = 'allocated') = (appointment_date IS NOT NULL AND window_start IS NOT NULL)),
    CHECK ((status = 'waitlisted') = (waitlist_position IS NOT NULL))
) STRICT;

CREATE INDEX allocations_by_centre_day ON allocations (centre_id, appointment_date, window_start);
