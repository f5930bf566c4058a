"""Pieces of the renderer: 和暦, missing glyphs, long records over pages, the code format, the receipt."""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from kiosk.clock import JST
from kiosk.documents import (
    CertificateDocument, IssuingAuthority, KosekiBody, KosekiEntryLine, KosekiPerson, Receipt, ReceiptLine,
)
from kiosk.kinds import CertificateKind
from printing.fonts import MissingGlyphs
from printing import geometry as g
from printing.model import Composition, Item, Section
from printing.paginate import CLOSING, END, closing_lines, plan_from_lines, plan_pages
from printing.renderer import ReportlabRenderer
from printing.security.seal_code import CodeFormatError, MAGIC, MAGIC_V3, PageSeal, open_code, seal_bytes
from printing.security.signer import SealSigner
from printing.wareki import wareki, wareki_fiscal_year, wareki_year
from center.pki.seals import load_current_seal_key, load_seal_private_key, load_seal_public_key

AUTHORITY = IssuingAuthority("990001", "七星市", "七星市長", "北斗　一郎")
PERSON = KosekiPerson("髙橋　正雄", date(1946, 2, 11), "男", "髙橋茂", "髙橋キヨ", "長男", (), removed=False)


def koseki(persons) -> CertificateDocument:
    return CertificateDocument(
        kind=CertificateKind.KOSEKI_ZENBU, session_id="s" * 32, issue_number="990001-20261125-000042",
        issued_at=datetime(2026, 11, 25, 10, 0, tzinfo=JST), authority=AUTHORITY, copies=1, fee_per_copy=450,
        body=KosekiBody("架空県七星市昴町三丁目5番地", "髙橋　正雄", tuple(persons), all_members=True),
    )


@pytest.fixture(scope="module")
def renderer(provisioned_dir):
    return ReportlabRenderer(SealSigner(provisioned_dir))


def pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("day, text", [
    (date(2026, 11, 25), "令和8年11月25日"), (date(2019, 5, 1), "令和元年5月1日"), (date(2019, 4, 30), "平成31年4月30日"),
    (date(1989, 1, 8), "平成元年1月8日"), (date(1989, 1, 7), "昭和64年1月7日"), (date(1926, 12, 24), "大正15年12月24日"),
])
def test_wareki_dates_change_era_on_the_right_day(day, text):
    assert wareki(day) == text


def test_fiscal_and_calendar_years():
    assert wareki_fiscal_year(2026) == "令和8年度" and wareki_fiscal_year(2019) == "令和元年度"
    assert wareki_year(2025) == "令和7年" and wareki_year(1989) == "平成元年"


def test_a_character_missing_from_the_font_is_reported_by_label_never_dropped(renderer):
    odd = replace(PERSON, name="髙橋　\ue000")  # a 外字 from the private use area: no font has it
    with pytest.raises(MissingGlyphs) as caught:
        renderer.render(koseki([odd]))
    assert "名" in caught.value.gaps and "U+E000" in str(caught.value)
    assert "髙橋" not in str(caught.value)  # the report names the item, not its value


def test_a_long_record_continues_on_new_pages_with_its_heading_marked(renderer):
    entries = tuple(KosekiEntryLine("転籍", date(1990, 1, 1 + n % 28), f"【従前本籍】架空県七星市北斗町{n}番地") for n in range(80))
    text = pages(renderer.render(koseki([replace(PERSON, entries=entries)])))
    assert len(text) >= 3
    assert all("身分事項（続き）" in page for page in text[1:])
    assert all(f"{n} / {len(text)}" in page for n, page in enumerate(text, start=1))
    joined = "".join(text).replace(" ", "")
    assert all(f"北斗町{n}番地" in joined for n in range(80))


def test_the_code_round_trips_and_names_its_items_and_key(provisioned_dir):
    key_id = load_current_seal_key(provisioned_dir, "990001").key.key_id
    seal = PageSeal("990001", "inkan", "990001-1", "2026-11-25T10:00", 1, 1, True, (Item("氏名", "髙橋　正雄"),), key_id)
    opened = open_code(seal_bytes(seal, load_seal_private_key(provisioned_dir, "990001")))
    assert opened.seal == seal
    assert opened.signed_by(load_seal_public_key(provisioned_dir, "990001"))
    assert not opened.signed_by(load_seal_public_key(provisioned_dir, "990002"))


@pytest.mark.parametrize("data", [b"", b"KS\x01", MAGIC + b"\x00" * 80, b"https://example.org/", MAGIC + b"\xff" * 200])
def test_damaged_codes_are_refused_with_a_reason(data):
    with pytest.raises(CodeFormatError):
        open_code(data)


def test_a_value_with_a_line_break_cannot_be_signed_ambiguously(provisioned_dir):
    seal = PageSeal("990001", "inkan", "n", "t", 1, 1, True, (Item("氏名", "a\nv\t1"),), "0a1b2c3d")
    with pytest.raises(ValueError):
        seal_bytes(seal, load_seal_private_key(provisioned_dir, "990001"))


def test_the_receipt_lists_kinds_money_and_issue_numbers_only(renderer):
    receipt = Receipt(
        kiosk_id="DEMO-0001", issued_at=datetime(2026, 11, 25, 10, 30, tzinfo=JST),
        lines=(ReceiptLine(CertificateKind.JUMINHYO, 2, 600, "990001-20261125-000001"),
               ReceiptLine(CertificateKind.INKAN, 1, 300, "990001-20261125-000002")),
        total=900, paid=1000, change=100,
    )
    [text] = pages(renderer.render_receipt(receipt))
    for expected in ("利用明細", "住民票の写し", "2通", "印鑑登録証明書", "990001-20261125-000002", "900円", "1,000円",
                     "100円", "令和8年11月25日", "10:30", "DEMO-0001"):
        assert expected in text


def test_the_renderer_is_available_and_reads_its_options(provisioned_dir):
    from kiosk.config import KioskConfig

    assert ReportlabRenderer.availability().usable
    config = KioskConfig(data_dir=provisioned_dir, adapter_options={"renderer": {"per_person_juminhyo": ["990003"]}})
    assert isinstance(ReportlabRenderer.from_config(config), ReportlabRenderer)
    with pytest.raises(ValueError):
        ReportlabRenderer.from_config(KioskConfig(data_dir=provisioned_dir, adapter_options={"renderer": {"x": 1}}))


# --- every sheet a certificate on its own -------------------------------------------------------

CLOSING_ITEMS = closing_lines("七星市長", (Item("認証文", "上記のとおり相違ないことを証明する。"), Item("発行日", "令和8年11月25日"),
                                         Item("証明者", "七星市長　北斗　一郎")))


def test_a_long_record_carries_the_closing_block_on_every_sheet_and_ends_once(renderer):
    entries = tuple(KosekiEntryLine("転籍", date(1990, 1, 1 + n % 28), f"【従前本籍】架空県七星市北斗町{n}番地") for n in range(80))
    text = pages(renderer.render(koseki([replace(PERSON, entries=entries)])))
    assert len(text) >= 3
    for page in text:
        squeezed = page.replace(" ", "").replace("　", "").replace("\n", "")
        assert "戸籍に記録されている事項の全部を証明した書面である" in squeezed and "七星市長北斗一郎" in squeezed
        assert "990001-20261125-000042" in page
    assert "".join(text).count("以下余白") == 1 and "以下余白" in text[-1]


def _composition(rows: int) -> Composition:
    return Composition("所得・課税証明書", (), (Section("内容", tuple(Item(f"項目{n}", "値") for n in range(rows))),),
                       "上記のとおり相違ないことを証明する。")


def test_every_planned_page_signs_the_closing_block_and_only_the_last_the_end_line():
    font = renderer_font()
    plans = plan_pages(_composition(90), CLOSING_ITEMS, font, lambda items: True)
    assert len(plans) >= 3
    for n, plan in enumerate(plans, start=1):
        labels = [i.label for i in plan.items]
        assert plan.closing and labels[labels.index(CLOSING):] == [CLOSING, "認証文", "発行日", "証明者"]
        assert plan.ends == (n == len(plans)) and labels.count(END) == (n == len(plans))
        rebuilt = plan_from_lines(plan.items, font)
        assert _drawn(rebuilt.plan.rows) == _drawn(plan.rows) and rebuilt.plan.ends == plan.ends and rebuilt.plan.closing
    assert [i.label for i in plans[-1].items][-5] == END  # right after the last row


def _drawn(rows) -> list:
    return [(r.height, r.item, r.lines, r.continued, r.section and r.section.heading) for r in rows]


def _size(items) -> int:
    return sum(len(i.label) + len(i.value) for i in items)


def test_the_closing_block_counts_against_every_pages_code():
    """A page ends earlier when its code, closing block included, would outgrow what prints."""
    font = renderer_font()
    limit = _size(CLOSING_ITEMS) + 20 * _size((Item("項目10", "値"),))
    plans = plan_pages(_composition(60), CLOSING_ITEMS, font, lambda items: _size(items) <= limit)
    assert len(plans) >= 3 and all(_size(plan.items) <= limit for plan in plans)


def test_the_end_line_never_stands_alone_on_a_sheet():
    """Rows that fill the page to the bottom: the last one moves over with 以下余白 under it."""
    font = renderer_font()
    row = g.row_height(1)
    room = g.TABLE_TOP - g.CONTENT_BOTTOM
    full = int((room - g.HEADING_HEIGHT) // row)  # rows a page holds under the heading
    assert room - g.HEADING_HEIGHT - full * row < g.BLANK_NOTE_HEIGHT, "the geometry changed: pick another case"
    plans = plan_pages(_composition(full), CLOSING_ITEMS, font, lambda items: True)
    assert len(plans) == 2 and len(plans[0].rows) == full  # heading and all but the last row
    heading, last = plans[1].rows
    assert heading.continued and last.item == Item(f"項目{full - 1}", "値") and plans[1].ends


def test_pages_of_format_3_codes_are_rebuilt_as_they_were_printed():
    """Before every sheet carried the closing block, its line also stood for 以下余白 above it."""
    font = renderer_font()
    rows = (Item("#H", "内容"), Item("氏名", "髙橋　正雄"))
    assert not plan_from_lines(rows, font, 3).plan.closing and not plan_from_lines(rows, font, 3).plan.ends
    last = plan_from_lines((*rows, *CLOSING_ITEMS), font, 3)
    assert last.plan.closing and last.plan.ends
    now = plan_from_lines((*rows, *CLOSING_ITEMS), font)
    assert now.plan.closing and not now.plan.ends
    for lines, version in (
        (rows, 4),  # a format 4 page without its closing block
        ((*rows, Item(END, ""), *CLOSING_ITEMS), 3),  # no end line in format 3
        ((*rows, Item(END, ""), Item("氏名", "x"), *CLOSING_ITEMS), 4),  # a row after the end line
        ((*rows, Item(END, ""), Item(END, ""), *CLOSING_ITEMS), 4),
        ((*rows, *CLOSING_ITEMS, Item(END, "")), 4),
        ((*rows, Item(END, "")), 4),
    ):
        with pytest.raises(ValueError):
            plan_from_lines(lines, font, version)


def test_a_format_3_code_is_still_read_as_format_3(provisioned_dir):
    key_id = load_current_seal_key(provisioned_dir, "990001").key.key_id
    seal = PageSeal("990001", "inkan", "990001-1", "2026-11-25T10:00", 1, 1, True, (Item("氏名", "髙橋　正雄"),), key_id,
                    "七星市", read_version=3)
    code = seal_bytes(seal, load_seal_private_key(provisioned_dir, "990001"))
    assert code.startswith(MAGIC_V3) and not code.startswith(MAGIC)
    opened = open_code(code)
    assert opened.seal == seal and opened.seal.version == 3 and opened.signed_by(load_seal_public_key(provisioned_dir, "990001"))
    today = open_code(seal_bytes(replace(seal, read_version=None), load_seal_private_key(provisioned_dir, "990001")))
    assert today.seal.version == 4 and today.seal.read_version is None


def renderer_font() -> str:
    from printing import fonts

    return fonts.font(fonts.MINCHO)
