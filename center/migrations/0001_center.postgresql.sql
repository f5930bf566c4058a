-- PostgreSQL part of migration 1: the 交付記録 refuses UPDATE, DELETE and TRUNCATE whatever
-- the client (the code has no such path; this holds for psql and every other program too).
CREATE FUNCTION issuance_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'issuance_records is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER issuance_records_no_update_delete
    BEFORE UPDATE OR DELETE ON issuance_records
    FOR EACH ROW EXECUTE FUNCTION issuance_records_append_only();

CREATE TRIGGER issuance_records_no_truncate
    BEFORE TRUNCATE ON issuance_records
    FOR EACH STATEMENT EXECUTE FUNCTION issuance_records_append_only();
