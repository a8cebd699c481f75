-- Applicants may change or withdraw an application until registration
-- closes, and nothing is overwritten without trace. `applications` holds
-- each application's current version; a change first copies the version it
-- replaces into `application_history`, and a withdrawal moves the row there
-- (freeing the identity document, so the person may apply again).
ALTER TABLE applications ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
-- When and how the current version was made by a change (NULL for a first
-- version, whose instant is submitted_at): RFC 3339, and 'form' or 'api'.
ALTER TABLE applications ADD COLUMN changed_at TEXT;
ALTER TABLE applications ADD COLUMN changed_via TEXT CHECK (changed_via IN ('form', 'api'));

CREATE TABLE application_history (
    reference          TEXT    NOT NULL,
    version            INTEGER NOT NULL,
    id_type            TEXT    NOT NULL,
    id_number          TEXT    NOT NULL,
    full_name          TEXT    NOT NULL,
    birth_date         TEXT    NOT NULL,
    phone              TEXT    NOT NULL,
    email              TEXT,
    lang               TEXT    NOT NULL,
    centre_id          TEXT    NOT NULL,
    choices            TEXT    NOT NULL,
    accept_other_dates INTEGER NOT NULL,
    fingerprint        TEXT    NOT NULL,
    submitted_at       TEXT    NOT NULL,
    changed_at         TEXT,
    changed_via        TEXT,
    -- What ended this version: a newer one ('changed') or a withdrawal.
    ended_by           TEXT    NOT NULL CHECK (ended_by IN ('changed', 'withdrawn')),
    ended_at           TEXT    NOT NULL,
    ended_via          TEXT    NOT NULL CHECK (ended_via IN ('form', 'api')),
    PRIMARY KEY (reference, version)
) STRICT;
