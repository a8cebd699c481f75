-- The allocation: one run (its published seed and what it produced) and one
-- row per application. allocator run writes both in one transaction; a new
-- run replaces the old one only when asked (--replace).
CREATE TABLE allocation_runs (
    run_id            TEXT             PRIMARY KEY,
    -- The lottery key, published so anyone can recompute the order.
    seed              TEXT             NOT NULL,
    -- SHA-256 over every application (reference and fingerprint) and the campaign files.
    input_fingerprint TEXT             NOT NULL,
    rule              TEXT             NOT NULL,
    started_at        TIMESTAMPTZ      NOT NULL,
    finished_at       TIMESTAMPTZ      NOT NULL,
    applicants        BIGINT           NOT NULL,
    allocated         BIGINT           NOT NULL,
    waitlisted        BIGINT           NOT NULL,
    read_seconds      DOUBLE PRECISION NOT NULL,
    allocate_seconds  DOUBLE PRECISION NOT NULL,
    write_seconds     DOUBLE PRECISION NOT NULL
);

CREATE TABLE allocations (
    reference         TEXT    PRIMARY KEY REFERENCES applications (reference),
    run_id            TEXT    NOT NULL REFERENCES allocation_runs (run_id),
    -- 1-based place in the processing order (oldest first, then lottery).
    priority          BIGINT  NOT NULL,
    -- The tie-break number (decimal: it is an unsigned 64-bit value).
    lottery           TEXT    NOT NULL,
    centre_id         TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('allocated', 'waitlisted')),
    appointment_date  DATE,
    -- HH:MM.
    window_start      TEXT,
    window_end        TEXT,
    -- week1 ... weekN, other, or none (waitlisted).
    choice_met        TEXT    NOT NULL,
    waitlist_position BIGINT,
    CHECK ((status = 'allocated') = (appointment_date IS NOT NULL AND window_start IS NOT NULL)),
    CHECK ((status = 'waitlisted') = (waitlist_position IS NOT NULL))
);

CREATE INDEX allocations_by_centre_day ON allocations (centre_id, appointment_date, window_start);
