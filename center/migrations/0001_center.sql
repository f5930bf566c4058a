-- The center's first schema, for SQLite and PostgreSQL alike (center/storage/migrate.py applies it).
-- Portable SQL only: TEXT, INTEGER, BIGINT, BOOLEAN, DATE. Times are BIGINT microseconds since
-- the Unix epoch (UTC), so one comparison works the same in both databases.
-- Statements are separated by a blank line; no statement contains one.
-- center/storage/tables.py describes the same tables for the queries; a test compares the two.

-- 発行番号: one counter per municipality and day (Japan time), taken with INSERT ... ON CONFLICT
-- DO UPDATE ... RETURNING inside the issuing transaction.
CREATE TABLE issue_counters (
    municipality_code TEXT NOT NULL,
    day               TEXT NOT NULL CHECK (length(day) = 8),
    last_number       BIGINT NOT NULL CHECK (last_number BETWEEN 1 AND 999999),
    PRIMARY KEY (municipality_code, day)
);

-- Challenges for the card to sign: single use (used), expiring (expires_at), forgotten at forget_at.
CREATE TABLE challenges (
    challenge_id TEXT NOT NULL PRIMARY KEY,
    nonce        TEXT NOT NULL CHECK (length(nonce) = 64),
    expires_at   BIGINT NOT NULL,
    forget_at    BIGINT NOT NULL,
    used         BOOLEAN NOT NULL
);

CREATE INDEX challenges_by_forget_at ON challenges (forget_at);

-- Authenticated sessions: only the SHA-256 of the token is kept.
CREATE TABLE auth_sessions (
    token_sha256 TEXT NOT NULL PRIMARY KEY CHECK (length(token_sha256) = 64),
    resident_ref TEXT NOT NULL,
    kiosk_id     TEXT NOT NULL,
    opened_at    BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);

CREATE INDEX auth_sessions_by_expires_at ON auth_sessions (expires_at);

-- Idempotent issuance: hash of (kiosk, session, order lines) -> the documents issued (JSON).
-- result is NULL only inside the transaction that claimed the key; it is never committed NULL.
CREATE TABLE issue_requests (
    request_key TEXT NOT NULL PRIMARY KEY CHECK (length(request_key) = 64),
    kiosk_id    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    result      TEXT
);

CREATE INDEX issue_requests_by_created_at ON issue_requests (created_at);

-- 交付記録: append-only (triggers in the dialect files refuse UPDATE and DELETE). One row per
-- 発行番号 and outcome; the resident appears only as an HMAC pseudonym.
CREATE TABLE issuance_records (
    issue_number       TEXT NOT NULL,
    outcome            TEXT NOT NULL CHECK (outcome IN ('issued', 'printed', 'refunded', 'voided')),
    recorded_at        BIGINT NOT NULL,
    kiosk_id           TEXT NOT NULL,
    session_id         TEXT NOT NULL,
    kind               TEXT NOT NULL,
    copies             INTEGER NOT NULL CHECK (copies > 0),
    resident_pseudonym TEXT NOT NULL CHECK (length(resident_pseudonym) = 64),
    PRIMARY KEY (issue_number, outcome)
);

CREATE INDEX issuance_records_by_recorded_at ON issuance_records (recorded_at);

-- The registry (center/registry/sqlite_schema.py, ported): residents, households, 戸籍, card links.
CREATE TABLE municipalities (
    code                TEXT NOT NULL PRIMARY KEY,
    name                TEXT NOT NULL,
    name_kana           TEXT NOT NULL,
    prefecture          TEXT NOT NULL,
    kiosk_participating BOOLEAN NOT NULL
);

CREATE TABLE households (
    household_id      TEXT NOT NULL PRIMARY KEY,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    address           TEXT NOT NULL
);

CREATE TABLE koseki (
    koseki_id             TEXT NOT NULL PRIMARY KEY,
    municipality_code     TEXT NOT NULL REFERENCES municipalities (code),
    honseki               TEXT NOT NULL,
    hittousha_family      TEXT NOT NULL,
    hittousha_given       TEXT NOT NULL,
    hittousha_family_kana TEXT NOT NULL,
    hittousha_given_kana  TEXT NOT NULL
);

CREATE TABLE residents (
    resident_ref       TEXT NOT NULL PRIMARY KEY,
    household_id       TEXT NOT NULL REFERENCES households (household_id),
    position           INTEGER NOT NULL,
    family             TEXT NOT NULL,
    given              TEXT NOT NULL,
    family_kana        TEXT NOT NULL,
    given_kana         TEXT NOT NULL,
    birth_date         DATE NOT NULL,
    sex                TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    household_head     BOOLEAN NOT NULL,
    relationship       TEXT NOT NULL,
    became_resident_on DATE NOT NULL,
    address_set_on     DATE NOT NULL,
    notified_on        DATE NOT NULL,
    previous_address   TEXT,
    my_number          TEXT NOT NULL UNIQUE CHECK (length(my_number) = 12),
    koseki_id          TEXT REFERENCES koseki (koseki_id),
    support_measure    BOOLEAN NOT NULL,
    moving_out         BOOLEAN NOT NULL,
    deceased           BOOLEAN NOT NULL
);

CREATE INDEX residents_by_household ON residents (household_id, position);

CREATE TABLE foreign_residents (
    resident_ref          TEXT NOT NULL PRIMARY KEY REFERENCES residents (resident_ref),
    nationality           TEXT NOT NULL,
    status                TEXT NOT NULL,
    period_until          DATE NOT NULL,
    residence_card_number TEXT NOT NULL UNIQUE
);

CREATE TABLE seals (
    resident_ref        TEXT NOT NULL PRIMARY KEY REFERENCES residents (resident_ref),
    registration_number TEXT NOT NULL,
    registered_on       DATE NOT NULL,
    impression          TEXT NOT NULL
);

CREATE TABLE tax_records (
    resident_ref           TEXT NOT NULL REFERENCES residents (resident_ref),
    fiscal_year            INTEGER NOT NULL,
    jan1_municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    declared               BOOLEAN NOT NULL,
    total_income           BIGINT NOT NULL,
    taxable_income         BIGINT NOT NULL,
    municipal_tax          BIGINT NOT NULL,
    prefectural_tax        BIGINT NOT NULL,
    dependents             BIGINT NOT NULL,
    taxed                  BOOLEAN NOT NULL,
    PRIMARY KEY (resident_ref, fiscal_year)
);

CREATE TABLE address_history (
    resident_ref TEXT NOT NULL REFERENCES residents (resident_ref),
    position     INTEGER NOT NULL,
    address      TEXT NOT NULL,
    set_on       DATE NOT NULL,
    PRIMARY KEY (resident_ref, position)
);

CREATE TABLE koseki_members (
    koseki_id    TEXT NOT NULL REFERENCES koseki (koseki_id),
    position     INTEGER NOT NULL,
    family       TEXT NOT NULL,
    given        TEXT NOT NULL,
    family_kana  TEXT NOT NULL,
    given_kana   TEXT NOT NULL,
    birth_date   DATE NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    father       TEXT NOT NULL,
    mother       TEXT NOT NULL,
    relationship TEXT NOT NULL,
    resident_ref TEXT REFERENCES residents (resident_ref),
    removed      BOOLEAN NOT NULL,
    PRIMARY KEY (koseki_id, position)
);

CREATE TABLE koseki_entries (
    koseki_id       TEXT NOT NULL,
    member_position INTEGER NOT NULL,
    position        INTEGER NOT NULL,
    event           TEXT NOT NULL,
    on_date         DATE NOT NULL,
    detail          TEXT NOT NULL,
    PRIMARY KEY (koseki_id, member_position, position),
    FOREIGN KEY (koseki_id, member_position) REFERENCES koseki_members (koseki_id, position)
);

CREATE TABLE kiosk_registrations (
    koseki_id    TEXT NOT NULL REFERENCES koseki (koseki_id),
    resident_ref TEXT NOT NULL REFERENCES residents (resident_ref),
    PRIMARY KEY (koseki_id, resident_ref)
);

CREATE TABLE certificate_links (
    cert_sha256  TEXT NOT NULL PRIMARY KEY CHECK (length(cert_sha256) = 64),
    resident_ref TEXT NOT NULL REFERENCES residents (resident_ref)
);

CREATE INDEX certificate_links_by_resident ON certificate_links (resident_ref);
