"""The municipalities this kiosk serves, and what each offers at a given moment."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.catalog.hours import ClosureReason, MunicipalityStatus, kind_refusal, local, municipality_status
from kiosk.catalog.loader import load_municipality
from kiosk.catalog.model import DEFAULT_HOURS, DayRule, Municipality, ServiceHours
from kiosk.eligibility import Refusal, RefusalReason
from kiosk.kinds import CertificateKind

# When municipalities are closed for different reasons, the attract screen names the most
# common one; on a tie the one that ends soonest.
_TIE_ORDER = (ClosureReason.OUTSIDE_HOURS, ClosureReason.MAINTENANCE, ClosureReason.YEAR_END)
REOPEN_STEP_MINUTES = 15  # opening times are on the quarter hour
REOPEN_HORIZON_DAYS = 14


class UnknownMunicipality(KeyError):
    """A code that is not in the catalog: a wiring mistake, not a resident's refusal."""


@dataclass(frozen=True)
class ServiceStatus:
    """What the attract screen shows: open, or closed and why, and the hours to show."""

    open: bool
    reason: ClosureReason | None  # None when open
    hours: ServiceHours  # the widest of the municipalities' general hours
    municipalities: tuple[MunicipalityStatus, ...]


class Catalog:
    def __init__(self, municipalities: tuple[Municipality, ...]) -> None:
        self._by_code = {m.code: m for m in sorted(municipalities, key=lambda m: m.code)}
        if len(self._by_code) != len(municipalities):
            raise ValueError("duplicate municipality code in the catalog")

    @classmethod
    def load(cls, directory: Path | str) -> "Catalog":
        """Every *.toml in ``directory``; raises MunicipalityFileError on the first bad file.

        A file's code must match its name, so one directory cannot hold a code twice.
        """
        return cls(tuple(load_municipality(path) for path in sorted(Path(directory).glob("*.toml"))))

    def codes(self) -> tuple[str, ...]:
        return tuple(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def municipality(self, code: str) -> Municipality:
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownMunicipality(code) from None

    def kind_available_at(self, code: str, kind: CertificateKind, at: datetime) -> Refusal | None:
        if code not in self._by_code:
            return Refusal(RefusalReason.NOT_OFFERED, f"{code} is not served by this kiosk")
        return kind_refusal(self._by_code[code], kind, at)

    def offered_fiscal_years(self, code: str, at: datetime) -> tuple[int, ...]:
        """Newest first."""
        return self.municipality(code).tax_years.offered(local(at).date())

    def service_status(self, at: datetime) -> ServiceStatus:
        statuses = tuple(municipality_status(m, at) for m in self._by_code.values())
        is_open = any(s.open for s in statuses)
        reason = None
        if not is_open and statuses:
            counts = Counter(s.reason for s in statuses)
            reason = max(_TIE_ORDER, key=lambda r: (counts[r], -_TIE_ORDER.index(r)))
        return ServiceStatus(is_open, reason, _widest_hours(statuses), statuses)

    def kind_hours(self, kind: CertificateKind) -> ServiceHours | None:
        """The widest hours of ``kind`` among the municipalities offering it (戸籍: weekdays only, often)."""
        return _widest(tuple(m.rule(kind).hours for m in self._by_code.values() if m.offers(kind)))

    def reopens_at(self, at: datetime) -> datetime | None:
        """When the service opens next, to the quarter hour, looking up to two weeks ahead (the
        year-end closure is six days); None if open now or not within that time."""
        if self.service_status(at).open:
            return None
        start = at.replace(minute=at.minute - at.minute % REOPEN_STEP_MINUTES, second=0, microsecond=0)
        for step in range(1, REOPEN_HORIZON_DAYS * 24 * 60 // REOPEN_STEP_MINUTES + 1):
            moment = start + timedelta(minutes=step * REOPEN_STEP_MINUTES)
            if any(municipality_status(m, moment).open for m in self._by_code.values()):
                return moment
        return None


def _widest_hours(statuses: tuple[MunicipalityStatus, ...]) -> ServiceHours:
    return _widest(tuple(s.hours for s in statuses)) or DEFAULT_HOURS


def _widest(hours: tuple[ServiceHours, ...]) -> ServiceHours | None:
    if not hours:
        return None
    every_day = any(h.days is DayRule.EVERY_DAY for h in hours)
    return ServiceHours(
        days=DayRule.EVERY_DAY if every_day else DayRule.WEEKDAYS,
        opens=min(h.opens for h in hours),
        closes=max(h.closes for h in hours),
    )
