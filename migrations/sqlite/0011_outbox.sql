-- The outbox: one row per message to send (SMS now; the channel column
-- keeps the format ready for email), and every delivery report the
-- gateway sent back. A message is keyed by (run, round, reference,
-- channel), so queueing the same run's messages again adds nothing.
--
-- state: pending (to send), sending (claimed, the request may be on its
-- way), sent (the gateway took it), delivered / failed (final, from a
-- delivery report or a definite refusal), in_doubt (found `sending` by a
-- later send: it may or may not have reached the gateway; see
-- allocator/README.md for how it is resolved, recorded in `resolution`).
CREATE TABLE outbox (
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
                   CHECK (state IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'in_doubt')),
    attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    gateway_answer TEXT,
    resolution     TEXT    CHECK (resolution IN ('report', 'queued', 'resent')),
    queued_at      TEXT    NOT NULL,
    claimed_at     TEXT,
    sent_at        TEXT,
    final_at       TEXT,
    UNIQUE (run_id, round, reference, channel)
) STRICT;
CREATE INDEX outbox_by_state ON outbox (run_id, state, id);

-- Every delivery report, kept as it came: which message and attempt, the
-- gateway's status code (1 delivered, 2 failed, 4 buffered, 8 accepted by
-- the SMSC, 16 rejected by the SMSC) and its text.
CREATE TABLE delivery_reports (
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id),
    attempt     INTEGER NOT NULL,
    status      INTEGER NOT NULL,
    answer      TEXT    NOT NULL,
    received_at TEXT    NOT NULL
) STRICT;
CREATE INDEX delivery_reports_by_message ON delivery_reports (outbox_id);
