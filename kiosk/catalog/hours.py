"""When a municipality issues: closed days, maintenance windows and per-kind hours."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import Enum

from kiosk.catalog.holidays import is_business_day
from kiosk.catalog.model import DayRule, Municipality, ServiceHours
from kiosk.clock import JST
from kiosk.eligibility import Refusal, RefusalReason
from kiosk.kinds import CertificateKind


class ClosureReason(Enum):
    YEAR_END = "year_end"  # 12/29–1/3
    MAINTENANCE = "maintenance"  # maintenance days and windows
    OUTSIDE_HOURS = "outside_hours"


@dataclass(frozen=True)
class MunicipalityStatus:
    code: str
    name: str
    open: bool
    reason: ClosureReason | None  # None when open
    hours: ServiceHours


def local(at: datetime) -> datetime:
    """Wall-clock time in Japan; a naive datetime is taken as JST, like ManualClock does."""
    return at.replace(tzinfo=JST) if at.tzinfo is None else at.astimezone(JST)


def _wall_time(at: datetime) -> time:
    return at.time().replace(tzinfo=None)


def closure_at(municipality: Municipality, at: datetime) -> ClosureReason | None:
    """Closed for the whole service (every kind) at this moment, and why."""
    at = local(at)
    day, moment = at.date(), _wall_time(at)
    closures = municipality.closures
    if closures.year_end.contains(day):
        return ClosureReason.YEAR_END
    if day in closures.maintenance_dates or any(
        (md.month, md.day) == (day.month, day.day) for md in closures.annual_maintenance_days
    ):
        return ClosureReason.MAINTENANCE
    if any(w.applies_on(day) and w.opens <= moment < w.closes for w in closures.windows):
        return ClosureReason.MAINTENANCE
    return None


def within_hours(hours: ServiceHours, at: datetime) -> bool:
    at = local(at)
    if hours.days is DayRule.WEEKDAYS and not is_business_day(at.date()):
        return False
    return hours.contains(_wall_time(at))


def kind_refusal(municipality: Municipality, kind: CertificateKind, at: datetime) -> Refusal | None:
    """NOT_OFFERED, CLOSED_DAY or OUTSIDE_HOURS, in that order; None when the kind can be issued now."""
    if not municipality.offers(kind):
        return Refusal(RefusalReason.NOT_OFFERED, f"{kind.value} not offered by {municipality.code}")
    closure = closure_at(municipality, at)
    if closure is not None:
        return Refusal(RefusalReason.CLOSED_DAY, f"{municipality.code} closed: {closure.value}")
    if not within_hours(municipality.rule(kind).hours, at):
        return Refusal(RefusalReason.OUTSIDE_HOURS, f"{kind.value} outside hours at {municipality.code}")
    return None


def municipality_status(municipality: Municipality, at: datetime) -> MunicipalityStatus:
    """Open when at least one offered kind can be issued now."""
    closure = closure_at(municipality, at)
    if closure is None and not any(within_hours(rule.hours, at) for rule in municipality.kinds.values()):
        closure = ClosureReason.OUTSIDE_HOURS
    return MunicipalityStatus(
        code=municipality.code,
        name=municipality.name,
        open=closure is None,
        reason=closure,
        hours=municipality.hours,
    )
