"""The daily close (日計): sales by kind and municipality, cash in and out, refunds, the period it
covers, its CSV and its receipt-width PDF. No personal data in any of them."""
import csv
import io
import re
import shutil
import subprocess
from datetime import date, datetime


from conftest import need_real_stack
from kiosk.clock import JST
from kiosk.journal import EventType
from kiosk.journal.cash_staff import record_collection, record_top_up
from kiosk.journal.day_close import close_day, record_close, summary_lines
from kiosk.journal.day_close_csv import HEADER, csv_text, default_path, write_csv
from kiosk.journal.events import scrub_detail
from kiosk.ports.cash import CashCounters
from journal_fixtures import T0, clock, journal  # noqa: F401  (fixtures)


def sell(journal, documents, *, paid: int | None = None, resident_ref="R-0001", fail: tuple[int, ...] = ()) -> str:
    """One session printing ``documents`` [(kind, municipality, fee)]; the indexes in ``fail`` fail."""
    total = sum(fee for _, _, fee in documents)
    paid = paid if paid is not None else total
    s = journal.open_session("K1", resident_ref)
    journal.record(s, EventType.CASH_CREDITED, paid)
    stack = journal.record(s, EventType.STACK_STARTED, paid)
    journal.record(s, EventType.CASH_STACKED, paid, f"op-{stack.seq}")
    journal.record(s, EventType.FEE_CHARGED, total)
    if paid > total:
        change = journal.record(s, EventType.CHANGE_STARTED, paid - total)
        journal.record(s, EventType.CHANGE_DISPENSED, paid - total, f"op-{change.seq}")
    owed = 0
    for i, (kind, municipality, fee) in enumerate(documents):
        started = journal.record(s, EventType.PRINT_STARTED, fee, f"{i} {kind} m-{municipality}")
        job = f"folder-{started.seq:06d}"
        journal.record(s, EventType.PRINT_SUBMITTED, fee, f"{job} op-{started.seq}")
        if i in fail:
            journal.record(s, EventType.PRINT_FAILED, None, f"{job} media-empty")
            owed += fee
        else:
            journal.record(s, EventType.PRINT_COMPLETED, None, job)
    receipt = journal.record(s, EventType.PRINT_SUBMITTED, 0, "folder-999999 rq-1")
    journal.record(s, EventType.PRINT_COMPLETED, None, receipt.detail.split()[0])
    journal.close_session(s, "printed", refund_owed=owed, refund_reason="print failed")
    return s


def close(journal, clock, **kwargs):
    return close_day(journal, kiosk_id="K1", now=clock.now(), **kwargs)


def test_sales_count_completed_documents_by_kind_and_municipality(journal, clock):
    sell(journal, [("juminhyo", "990001", 300), ("juminhyo", "990001", 300), ("inkan", "990002", 200)])
    sell(journal, [("juminhyo", "990001", 300), ("koseki_zenbu", "990003", 450)], paid=1000, fail=(1,))
    report = close(journal, clock)
    assert [(s.kind, s.municipality, s.count, s.amount) for s in report.sales] == [
        ("inkan", "990002", 1, 200), ("juminhyo", "990001", 3, 900),
    ]
    assert (report.sales_count, report.sales_total) == (4, 1100)
    assert (report.credited, report.stacked, report.charged, report.change_paid) == (1800, 1800, 1550, 250)
    assert (report.refunds_owed, report.outstanding, report.outstanding_count) == (450, 450, 1)


def test_a_job_completed_twice_is_one_sale(journal, clock):
    s = sell(journal, [("fuhyo", "990001", 300)])
    job = next(e.job_id for e in journal.events(s) if e.type is EventType.PRINT_COMPLETED)
    journal.record(s, EventType.PRINT_COMPLETED, None, job)  # recovery asked the printer again
    assert close(journal, clock).sales_count == 1


def test_refunds_owed_paid_and_withdrawn_in_the_period(journal, clock):
    sell(journal, [("juminhyo", "990001", 300), ("inkan", "990001", 300)], fail=(0, 1))
    first, = journal.refunds_owed()
    s = first.session_id
    journal.record(s, EventType.REFUND_WITHDRAWN, 300, f"ref-{first.reference} printed-late")
    journal.mark_refund_paid(first.reference, "staff1")
    report = close(journal, clock)
    assert (report.refunds_owed, report.refunds_withdrawn, report.refunds_paid) == (600, 300, 300)
    assert (report.outstanding, report.outstanding_count) == (0, 0)


def test_a_calendar_day_is_a_day_in_japan(journal, clock):
    clock.set(datetime(2026, 11, 25, 23, 50, tzinfo=JST))
    sell(journal, [("juminhyo", "990001", 300)])
    clock.set(datetime(2026, 11, 26, 0, 10, tzinfo=JST))
    sell(journal, [("inkan", "990001", 200)])
    day = close(journal, clock, day=date(2026, 11, 25))
    assert day.whole_day and day.business_day == date(2026, 11, 25)
    assert [(s.kind, s.count) for s in day.sales] == [("juminhyo", 1)]
    assert [(s.kind, s.count) for s in close(journal, clock, day=date(2026, 11, 26)).sales] == [("inkan", 1)]


def test_since_the_last_close_each_row_is_counted_once(journal, clock):
    sell(journal, [("juminhyo", "990001", 300)])
    first = close(journal, clock)
    assert first.since is None and first.sales_total == 300
    record_close(journal, first)
    clock.advance(3600)
    sell(journal, [("inkan", "990001", 200)])
    record_close(journal, close(journal, clock, day=T0.date()))  # reprinting a calendar day moves nothing
    second = close(journal, clock)
    assert second.sales_total == 200 and second.since == T0
    record_close(journal, second)
    clock.advance(3600)
    assert close(journal, clock).sales_total == 0


def test_the_close_is_journaled_in_words_that_survive_scrubbing(journal, clock):
    sell(journal, [("juminhyo", "990001", 300)] * 5)
    report = close(journal, clock)
    row = record_close(journal, report)
    assert row.type is EventType.DAY_CLOSED and row.session_id is None
    assert row.detail == f"since-000000 to-{report.last_seq:06d} docs-5 sales-1500"
    assert scrub_detail(row.detail) == row.detail
    day_row = record_close(journal, close(journal, clock, day=T0.date()))
    assert day_row.detail.startswith("day-2026-11-25 to-") and "[redacted]" not in day_row.detail


def test_staff_cash_work_is_in_the_close(journal, clock):
    record_collection(journal, "op-staff1", 12000)
    row = record_top_up(journal, "op-staff1", {100: 50, 1000: 3, 10: 0}, 8000)
    assert row.detail == "op-staff1 d-1000=3 d-100=50"
    report = close(journal, clock)
    assert (report.collected, report.topped_up) == (12000, 8000)


def test_the_csv_has_a_header_every_figure_and_no_personal_data(journal, clock, tmp_path):
    sell(journal, [("juminhyo", "990001", 300)], resident_ref="R-7777")
    report = close(journal, clock, counters=CashCounters(credited=300, stacked=300), float_counts={100: 5, 10: 20},
                   municipality_names={"990001": "七星市"})
    text = csv_text(report)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == HEADER and all(len(r) == len(HEADER) for r in rows)
    assert ["sales", "juminhyo", "990001", "1", "300", ""] in rows
    assert ["counters", "credited", "", "", "300", ""] in rows
    assert ["float", "100", "", "5", "500", ""] in rows
    assert "R-7777" not in text
    path = write_csv(report, default_path(tmp_path, report))
    assert path.parent.name == "day-close" and path.read_text(encoding="utf-8") == text
    assert not list(path.parent.glob("*.part"))


def test_the_summary_is_a_few_lines(journal, clock):
    sell(journal, [("juminhyo", "990001", 300)])
    lines = summary_lines(close(journal, clock, counters=CashCounters()))
    assert 4 <= len(lines) <= 8 and "sales: 1 documents, 300 yen" in "\n".join(lines)


def test_the_pdf_is_a_receipt_width_slip_with_japanese_labels(journal, clock, tmp_path):
    from printing.day_close import render_day_close

    sell(journal, [("juminhyo_kisai", "990002", 300), ("koseki_zenbu", "990003", 450)], resident_ref="R-7777")
    report = close(journal, clock, counters=CashCounters(credited=750), float_counts={500: 2, 100: 10},
                   municipality_names={"990002": "月見野町", "990003": "雲雀ヶ原村"})
    pdf = render_day_close(report)
    assert pdf.startswith(b"%PDF-")
    need_real_stack(all(shutil.which(t) for t in ("pdfinfo", "pdftotext")), "poppler-utils missing")
    path = tmp_path / "day.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M) and "226.772 x" in info  # one page, 80 mm wide
    words = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for label in ("日計表", "住民票記載事項証明書", "月見野町", "戸籍全部事項証明書", "雲雀ヶ原村", "つり銭", "未払い残高"):
        assert label in words, label
    assert "R-7777" not in words
