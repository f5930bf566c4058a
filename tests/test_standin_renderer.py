"""The stand-in renderer: every item readable in the PDF, 見本 on demo pages, the font embedded."""
import io
from dataclasses import replace
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from kiosk.clock import JST
from kiosk.documents import (
    CertificateDocument, FuhyoAddressLine, FuhyoBody, FuhyoPerson, InkanBody, IssuingAuthority,
    JuminhyoBody, JuminhyoPerson, KosekiBody, KosekiEntryLine, KosekiPerson, Receipt, ReceiptLine, TaxBody,
)
from kiosk.kinds import CertificateKind
from printing.standin import StandInRenderer

AUTHORITY = IssuingAuthority("999991", "架空市", "架空市長", "架空 太郎", "架空市役所 市民課")
ISSUED = datetime(2026, 11, 25, 10, 30, tzinfo=JST)

PERSON = JuminhyoPerson(
    name="架空 花子", name_kana="カクウ ハナコ", birth_date=date(1985, 4, 1), sex="女", relationship="本人",
    became_resident_on=date(2010, 5, 6), address_set_on=date(2010, 5, 6), notified_on=date(2010, 5, 7),
    previous_address=None, honseki=None, hittousha=None, my_number=None,
)
JUMINHYO = JuminhyoBody("架空県架空市桜町一丁目2番3号", "架空 花子", (PERSON,), whole_household=True)
KOSEKI_PERSON = KosekiPerson(
    "架空 一郎", date(1950, 1, 2), "男", "架空 父", "架空 母", "長男",
    (KosekiEntryLine("出生", date(1950, 1, 2), "【出生地】架空県架空市"),), removed=False,
)
BODIES = {
    CertificateKind.JUMINHYO: JUMINHYO,
    CertificateKind.INKAN: InkanBody(
        "架空 花子", "カクウ ハナコ", date(1985, 4, 1), "女", "架空県架空市桜町一丁目2番3号", "I-0042",
        date(2015, 6, 1), "架空",
    ),
    CertificateKind.TAX_SHOTOKU: TaxBody(
        2026, 2025, "架空 花子", "架空県架空市桜町一丁目2番3号", date(1985, 4, 1),
        4_000_000, 2_500_000, 150_000, 100_000, 1, True,
    ),
    CertificateKind.KOSEKI_ZENBU: KosekiBody("架空県架空市本籍町1番地", "架空 一郎", (KOSEKI_PERSON,), True),
    CertificateKind.FUHYO: FuhyoBody(
        "架空県架空市本籍町1番地", "架空 一郎",
        (FuhyoPerson("架空 一郎", date(1950, 1, 2), (FuhyoAddressLine("架空県架空市桜町一丁目", date(1980, 3, 3)),)),),
    ),
}


def document(kind=CertificateKind.JUMINHYO, **changes) -> CertificateDocument:
    base = CertificateDocument(
        kind=kind, session_id="s" * 32, issue_number="A-2026-000123", issued_at=ISSUED, authority=AUTHORITY,
        copies=1, fee_per_copy=300, body=BODIES[kind],
    )
    return replace(base, **changes)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def renderer():
    return StandInRenderer()


def test_each_copy_is_a_page_with_title_issue_number_and_date(renderer):
    pages = pages_text(renderer.render(document(copies=2)))
    assert len(pages) == 2
    for text in pages:
        assert "住民票の写し" in text
        assert "A-2026-000123" in text
        assert "2026-11-25" in text
        assert "架空市長" in text


def test_body_fields_print_as_labelled_lines_with_iso_dates(renderer):
    [text] = pages_text(renderer.render(document()))
    assert "架空県架空市桜町一丁目2番3号" in text
    assert "birth date: 1985-04-01" in text
    assert "カクウ ハナコ" in text


def test_items_not_chosen_are_not_printed(renderer):
    [text] = pages_text(renderer.render(document()))
    assert "my number" not in text and "honseki" not in text


def test_demo_documents_say_mihon_and_real_ones_do_not(renderer):
    assert "見本" in pages_text(renderer.render(document(demo=True)))[0]
    real = document(demo=False, authority=replace(AUTHORITY, mayor_name="架空 次郎"))
    assert "見本" not in pages_text(renderer.render(real))[0]


@pytest.mark.parametrize("kind", list(BODIES), ids=lambda k: k.value)
def test_every_body_type_renders(renderer, kind):
    [text] = pages_text(renderer.render(document(kind)))
    assert kind.title_ja in text and "A-2026-000123" in text


def test_a_long_body_flows_onto_more_pages_each_titled_and_marked(renderer):
    entries = tuple(KosekiEntryLine("転籍", date(1990, 1, 1), "【従前本籍】架空県架空市" * 3) for _ in range(60))
    body = replace(BODIES[CertificateKind.KOSEKI_ZENBU], persons=(replace(KOSEKI_PERSON, entries=entries),))
    pages = pages_text(renderer.render(document(CertificateKind.KOSEKI_ZENBU, body=body, copies=2)))
    assert len(pages) > 2
    assert all("戸籍全部事項証明書" in text and "見本" in text for text in pages)


def test_the_font_is_embedded_as_a_subset(renderer):
    page = PdfReader(io.BytesIO(renderer.render(document()))).pages[0]
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    descendants = [d.get_object() for f in fonts for d in f.get("/DescendantFonts", [f])]
    assert descendants
    assert all("+BIZUDMincho" in str(d["/BaseFont"]) for d in descendants)
    assert all("/FontFile2" in d["/FontDescriptor"] for d in descendants)


def test_the_same_document_renders_to_the_same_bytes(renderer):
    assert renderer.render(document()) == renderer.render(document())


def test_the_receipt_lists_lines_and_money(renderer):
    receipt = Receipt(
        kiosk_id="kiosk-01", issued_at=ISSUED,
        lines=(ReceiptLine(CertificateKind.JUMINHYO, 2, 600, "A-2026-000123"),
               ReceiptLine(CertificateKind.INKAN, 1, 300, "A-2026-000124")),
        total=900, paid=1000, change=100,
    )
    [text] = pages_text(renderer.render_receipt(receipt))
    for expected in ("利用明細", "住民票の写し", "印鑑登録証明書", "A-2026-000124", "900円", "1,000円", "100円",
                     "2026-11-25 10:30"):
        assert expected in text
