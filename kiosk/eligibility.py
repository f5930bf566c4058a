"""Why a certificate cannot be issued: one typed reason per refusal class."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class RefusalReason(Enum):
    NOT_OFFERED = "not_offered"  # this municipality does not issue this kind at the kiosk
    OUTSIDE_HOURS = "outside_hours"
    CLOSED_DAY = "closed_day"  # 12/29–1/3, maintenance days or windows
    NO_SEAL_REGISTERED = "no_seal_registered"
    NOT_RESIDENT_ON_JAN1 = "not_resident_on_jan1"  # tax: ask the municipality of 1 January
    NO_TAX_DECLARATION = "no_tax_declaration"
    TAXED = "taxed"  # a 非課税証明書 for someone who is taxed
    YEAR_NOT_OFFERED = "year_not_offered"
    SUPPORT_MEASURE = "support_measure"  # 支援措置: counter only
    MOVING_OUT = "moving_out"  # 転出予定 in the household
    DECEASED = "deceased"
    UNDER_AGE = "under_age"  # the municipality's under-15 policy
    HONSEKI_NOT_REGISTERED = "honseki_not_registered"  # 本籍地 利用登録 missing
    NO_KOSEKI = "no_koseki"  # e.g. a foreign resident has no 戸籍
    NOT_IN_HOUSEHOLD = "not_in_household"  # asked for someone outside the household / 戸籍
    MY_NUMBER_NOT_ALLOWED = "my_number_not_allowed"
    TOO_MANY_COPIES = "too_many_copies"
    BAD_OPTIONS = "bad_options"


@dataclass(frozen=True)
class Refusal:
    reason: RefusalReason
    detail: str = ""  # for the operator log; never personal data
