-- One application per identity number, whichever document type was chosen:
-- a MyKad number typed as a passport number is the same person. The
-- constraint keeps its name; the old one, on (id_type, id_number), is implied
-- by the new one and goes.
-- Fails if the table already holds one number under both types: resolve
-- those by hand before upgrading.
ALTER TABLE applications
    DROP CONSTRAINT applications_identity_key,
    ADD CONSTRAINT applications_identity_key UNIQUE (id_number);
