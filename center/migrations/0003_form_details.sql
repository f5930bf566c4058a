-- Migration 3: what the official certificate forms print beyond the first schema. Portable SQL
-- only (no dialect part is needed). Rows loaded before keep their values and get the defaults
-- ('' / 0 / FALSE / NULL / no rows): load the registry again to fill them.

-- 住民票: the foreign resident's 区分 (住民基本台帳法 第30条の45) and 在留期間等, and the 備考 lines.
ALTER TABLE foreign_residents ADD COLUMN category TEXT NOT NULL DEFAULT ''

ALTER TABLE foreign_residents ADD COLUMN period TEXT NOT NULL DEFAULT ''

CREATE TABLE resident_remarks (
    resident_ref TEXT NOT NULL REFERENCES residents (resident_ref),
    position     INTEGER NOT NULL,
    remark       TEXT NOT NULL,
    PRIMARY KEY (resident_ref, position)
);

-- 所得・課税証明書: 所得控除額合計 and the 均等割 / 所得割 split of each tax.
ALTER TABLE tax_records ADD COLUMN total_deductions BIGINT NOT NULL DEFAULT 0

ALTER TABLE tax_records ADD COLUMN municipal_per_capita BIGINT NOT NULL DEFAULT 0

ALTER TABLE tax_records ADD COLUMN municipal_income_levy BIGINT NOT NULL DEFAULT 0

ALTER TABLE tax_records ADD COLUMN prefectural_per_capita BIGINT NOT NULL DEFAULT 0

ALTER TABLE tax_records ADD COLUMN prefectural_income_levy BIGINT NOT NULL DEFAULT 0

-- One row per kind of income (収入金額 may be absent) and per 所得控除, in the form's order.
CREATE TABLE tax_incomes (
    resident_ref TEXT NOT NULL,
    fiscal_year  INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    revenue      BIGINT,
    income       BIGINT NOT NULL,
    PRIMARY KEY (resident_ref, fiscal_year, position),
    FOREIGN KEY (resident_ref, fiscal_year) REFERENCES tax_records (resident_ref, fiscal_year)
);

CREATE TABLE tax_deductions (
    resident_ref TEXT NOT NULL,
    fiscal_year  INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    PRIMARY KEY (resident_ref, fiscal_year, position),
    FOREIGN KEY (resident_ref, fiscal_year) REFERENCES tax_records (resident_ref, fiscal_year)
);

-- 戸籍: 【届出日】 of each 身分事項, 【配偶者区分】 of a member, and the 戸籍事項 (編製, 転籍...).
ALTER TABLE koseki_entries ADD COLUMN notified_on DATE

ALTER TABLE koseki_members ADD COLUMN spouse BOOLEAN NOT NULL DEFAULT FALSE

CREATE TABLE koseki_events (
    koseki_id   TEXT NOT NULL REFERENCES koseki (koseki_id),
    position    INTEGER NOT NULL,
    event       TEXT NOT NULL,
    on_date     DATE NOT NULL,
    detail      TEXT NOT NULL,
    notified_on DATE,
    PRIMARY KEY (koseki_id, position)
);
