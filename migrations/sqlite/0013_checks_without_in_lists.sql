-- SQLite evaluates a CHECK's IN list of three or more values by building a
-- temporary b-tree of the list for every row it writes or updates: the
-- allocator's first run spent a good part of its write on that
-- (docs/performance.md). The same checks, written as comparisons, cost
-- nothing of the kind. SQLite cannot alter a CHECK, so both tables are
-- rebuilt with their rows (the runner turns foreign keys off around a
-- migration and checks them all before it commits, as SQLite's procedure
-- for rebuilding a table asks: delivery_reports refers to outbox).
CREATE TABLE allocations_checked (
    reference         TEXT    PRIMARY KEY REFERENCES applications (reference),
    run_id            TEXT    NOT NULL REFERENCES allocation_runs (run_id),
    priority          INTEGER NOT NULL,
    lottery           TEXT    NOT NULL,
    centre_id         TEXT    NOT NULL,
    status            TEXT    NOT NULL
                      CHECK (status = 'allocated' OR status = 'waitlisted' OR status = 'declined'),
    appointment_date  TEXT,
    window_start      TEXT,
    window_end        TEXT,
    choice_met        TEXT    NOT NULL,
    waitlist_position INTEGER,
    round             INTEGER NOT NULL DEFAULT 1 CHECK (round >= 1),
    CHECK ((status = 'allocated') = (appointment_date IS NOT NULL AND window_start IS NOT NULL)),
    CHECK ((status = 'waitlisted') = (waitlist_position IS NOT NULL))
) STRICT;
INSERT INTO allocations_checked (reference, run_id, priority, lottery, centre_id, status, appointment_date,
                                 window_start, window_end, choice_met, waitlist_position, round)
    SELECT reference, run_id, priority, lottery, centre_id, status, appointment_date,
           window_start, window_end, choice_met, waitlist_position, round FROM allocations;
DROP TABLE allocations;
ALTER TABLE allocations_checked RENAME TO allocations;

CREATE TABLE outbox_checked (
    id             INTEGER PRIMARY KEY,
    run_id         TEXT    NOT NULL,
    round          INTEGER NOT NULL CHECK (round >= 1),
    reference      TEXT    NOT NULL,
    channel        TEXT    NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient      TEXT    NOT NULL,
    lang           TEXT    NOT NULL,
    centre_id      TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    state          TEXT    NOT NULL DEFAULT 'pending'
                   CHECK (state = 'pending' OR state = 'sending' OR state = 'sent' OR state = 'delivered'
                          OR state = 'failed' OR state = 'in_doubt'),
    attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    gateway_answer TEXT,
    resolution     TEXT    CHECK (resolution = 'report' OR resolution = 'queued' OR resolution = 'resent'),
    queued_at      TEXT    NOT NULL,
    claimed_at     TEXT,
    sent_at        TEXT,
    final_at       TEXT,
    UNIQUE (run_id, round, reference, channel)
) STRICT;
INSERT INTO outbox_checked (id, run_id, round, reference, channel, recipient, lang, centre_id, body, state,
                            attempts, gateway_answer, resolution, queued_at, claimed_at, sent_at, final_at)
    SELECT id, run_id, round, reference, channel, recipient, lang, centre_id, body, state,
           attempts, gateway_answer, resolution, queued_at, claimed_at, sent_at, final_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_checked RENAME TO outbox;
CREATE INDEX outbox_by_state ON outbox (run_id, state, id);
