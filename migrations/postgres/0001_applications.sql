-- Applications as intake accepted them: one row per identity document.
-- Every value is already normalised by the campaign crate's parser.
CREATE TABLE applications (
    -- Short random code the applicant reads aloud (no 0/O, 1/I).
    reference          TEXT        PRIMARY KEY,
    id_type            TEXT        NOT NULL CHECK (id_type IN ('mykad', 'passport')),
    id_number          TEXT        NOT NULL,
    full_name          TEXT        NOT NULL,
    birth_date         DATE        NOT NULL,
    -- E.164, +60...
    phone              TEXT        NOT NULL,
    email              TEXT,
    lang               TEXT        NOT NULL CHECK (lang IN ('en', 'ms')),
    centre_id          TEXT        NOT NULL,
    -- One choice per campaign week in week order, comma-separated: YYYY-MM-DD or "any".
    choices            TEXT        NOT NULL,
    accept_other_dates BOOLEAN     NOT NULL,
    -- SHA-256 of the normalised application: tells a retry of the same
    -- application (answered with its reference) from a different one (409).
    fingerprint        TEXT        NOT NULL,
    -- Recorded for audit only: it plays no part in allocation.
    submitted_at       TIMESTAMPTZ NOT NULL,
    -- One application per identity document, decided by the database so it
    -- holds with any number of intake instances.
    CONSTRAINT applications_identity_key UNIQUE (id_type, id_number)
);
