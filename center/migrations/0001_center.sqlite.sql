-- SQLite part of migration 1: the 交付記録 refuses UPDATE and DELETE here too.
CREATE TRIGGER issuance_records_no_update BEFORE UPDATE ON issuance_records
BEGIN
    SELECT RAISE(ABORT, 'issuance_records is append-only: UPDATE refused');
END;

CREATE TRIGGER issuance_records_no_delete BEFORE DELETE ON issuance_records
BEGIN
    SELECT RAISE(ABORT, 'issuance_records is append-only: DELETE refused');
END;
