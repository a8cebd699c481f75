-- One application per identity number, whichever document type was chosen:
-- a MyKad number typed as a passport number is the same person. The old
-- (id_type, id_number) constraint is implied by this one; SQLite cannot drop
-- a table constraint without rebuilding the table, so it stays.
-- Fails if the table already holds one number under both types: resolve
-- those by hand before upgrading.
CREATE UNIQUE INDEX applications_id_number_key ON applications (id_number);
