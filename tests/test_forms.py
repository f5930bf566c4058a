"""Each certificate kind printed in the shape of its official form (printing.forms): the 住民票's
ruled person blocks with 備考 and the 第30条の45 区分, the 戸籍's 【】 lines with 戸籍事項, 【名】
and 【届出日】, the tax forms' income, deduction and levy tables, the 印影 beside the holder's
items, the 附票's address table; and every page drawn again from its code alone, identically."""
from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from center.registry.impressions import demo_recipe, draw_impression
from kiosk.kinds import CertificateKind
from printing import fonts
from printing.forms import shape_for
from printing.layouts import LAYOUTS
from printing.layouts.style import LayoutStyle
from printing.paginate import closing_lines, plan_from_lines, plan_pages
from printing.renderer import ReportlabRenderer
from printing.security.signer import SealSigner
from tests import form_documents as docs
from tests.conftest import need_real_stack

RECIPE = demo_recipe("R-0001", "0010234")


@pytest.fixture(scope="module")
def render(provisioned_dir):
    renderer = ReportlabRenderer(SealSigner(provisioned_dir))
    return renderer.render


def raw_text(pdf: bytes, tmp_path) -> list[str]:
    """The text as the verifier reads it (pdftotext -raw), one entry a line."""
    need_real_stack(shutil.which("pdftotext") is not None, "poppler-utils missing")
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True)
    return [line.strip() for line in done.stdout.decode("utf-8").splitlines()]


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def regions(pdf: bytes, tmp_path, page: int = 1) -> dict:
    from pathlib import Path

    from printing.redraw import redraw
    from printing.verify import _codes_on_page

    path = Path(tmp_path) / f"regions-{page}.pdf"
    path.write_bytes(pdf)
    [code] = _codes_on_page(path, page)
    return {r.name: r for r in reversed(redraw(code.opened.seal, code.data).regions)}


ALL = {
    "juminhyo": lambda: docs.juminhyo(),
    "juminhyo-foreign": lambda: docs.juminhyo((docs.FOREIGNER,)),
    "juminhyo_kisai": lambda: docs.juminhyo(kind=CertificateKind.JUMINHYO_KISAI),
    "tax_shotoku": lambda: docs.tax(),
    "tax_hikazei": lambda: docs.tax(docs.NOT_TAXED),
    "koseki_zenbu": lambda: docs.koseki(),
    "koseki_kojin": lambda: docs.koseki(docs.KOSEKI_PERSONS[:1], CertificateKind.KOSEKI_KOJIN),
    "fuhyo": lambda: docs.fuhyo(),
    "inkan": lambda: docs.inkan(draw_impression("佐藤", RECIPE), RECIPE),
}


def test_every_kind_has_a_form_of_its_own():
    shapes = {kind: type(shape_for(kind.value)).__name__ for kind in CertificateKind}
    assert "TableShape" not in shapes.values(), shapes
    assert shape_for("no-such-kind") is not None  # an unknown kind: the plain table


@pytest.mark.parametrize("name", list(ALL))
def test_the_code_rebuilds_every_pages_bands_as_planned(name):
    """What the verifier draws from: the bands a page's signed lines give, in the kind's shape,
    are those the renderer planned and painted, on every page, a block cut over pages too."""
    document = ALL[name]()
    font = fonts.font(fonts.MINCHO)
    composition = LAYOUTS[document.kind](document, LayoutStyle())
    shape = shape_for(document.kind.value)
    closing = closing_lines("七星市長", ())
    for limit in (None, 160):  # as printed, and with codes so small that blocks are cut over pages
        def fits(items, limit=limit) -> bool:
            return limit is None or sum(len(i.value) for i in items) <= limit

        plans = plan_pages(composition, closing, font, fits, shape)
        for plan in plans:
            rebuilt = plan_from_lines(plan.items, font, 4, shape)
            assert _bands(rebuilt.plan.rows) == _bands(plan.rows)
        if limit is not None and name in ("juminhyo", "koseki_zenbu", "tax_shotoku"):
            assert len(plans) > 1


def _bands(rows) -> list:
    """What a band draws (the 印影's picture aside: the redrawing draws it from its signed recipe)."""
    return [(r.height, tuple(dataclasses.replace(i, seal_picture=b"") for i in r.items), r.lines, r.continued,
             r.section and r.section.heading) for r in rows]


@pytest.mark.parametrize("name", list(ALL))
def test_every_form_verifies_as_its_own_redrawing(render, name, provisioned_dir, tmp_path):
    need_real_stack(all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo")), "poppler-utils missing")
    from printing.verify import Verdict, verify_files
    from printing.verify_cli import seal_keys
    from printing.verify_report import describe

    path = tmp_path / f"{name}.pdf"
    path.write_bytes(render(ALL[name]()))
    report = verify_files([path], seal_keys(provisioned_dir))
    assert report.verdict is Verdict.VALID, describe(name, report)
    assert all(page.compared.startswith("compared with its redrawing") for page in report.pages), describe(name, report)


def test_the_koseki_prints_the_computerised_form(render, tmp_path):
    pdf = render(docs.koseki())
    lines = raw_text(pdf, tmp_path)
    text = squeeze("".join(pages(pdf)))
    for words in ("本籍", "氏名", "戸籍事項", "【編製日】昭和47年5月5日", "【転籍日】平成2年4月1日", "【従前本籍】",
                  "戸籍に記録されている者", "【名】正雄", "【名】和子", "【配偶者区分】夫", "【配偶者区分】妻", "身分事項",
                  "【出生日】昭和21年2月11日", "【届出日】昭和21年2月20日", "【届出人】父", "除籍", "【死亡地】"):
        assert squeeze(words) in text, words
    assert "【名】髙橋" not in text  # the given name only: the 氏 is the 筆頭者's
    birth = [n for n, line in enumerate(lines) if line.startswith(("【出生日】昭和21", "【出生地】架空県七星市",
                                                                   "【届出日】昭和21", "【届出人】父"))]
    assert len(birth) == 4 and birth == sorted(birth), lines  # each on a line of its own, in the form's order
    assert not any("【出生地】" in line and "【届出人】" in line for line in lines)


def test_an_older_koseki_without_given_names_prints_the_full_name(render):
    older = tuple(dataclasses.replace(p, given_name="", spouse=False) for p in docs.KOSEKI_PERSONS)
    text = squeeze("".join(pages(render(docs.koseki(older)))))
    assert "【名】髙橋正雄" in text and "配偶者区分" not in text


def test_the_tax_certificate_shows_income_by_kind_deductions_and_both_levies(render):
    text = squeeze("".join(pages(render(docs.tax()))))
    for words in ("納税義務者", "所得の種類", "収入金額", "所得金額", "給与", "6,800,000円", "4,960,000円", "雑",
                  "合計所得金額", "総所得金額", "5,120,000円", "控除の種類", "社会保険料控除", "980,000円", "基礎控除",
                  "所得控除額合計", "1,840,000円", "課税標準額", "3,280,000円", "所得割", "均等割", "年税額", "市町村民税",
                  "196,300円", "3,500円", "199,800円", "道府県民税", "130,700円", "1,500円", "132,200円", "扶養親族の数",
                  "3人", "令和8年度", "令和7年分"):
        assert squeeze(words) in text, words


def test_the_non_taxed_certificate_says_so_in_the_same_frame_with_the_income(render):
    text = squeeze("".join(pages(render(docs.tax(docs.NOT_TAXED)))))
    assert "非課税証明書" in text and text.count("非課税") >= 4  # title, both levies, 課税区分, 認証文
    for words in ("給与", "930,000円", "380,000円", "基礎控除", "430,000円", "所得割", "均等割", "年税額"):
        assert words in text, words


def test_an_older_tax_record_prints_what_it_holds_and_makes_nothing_up(render):
    older = dataclasses.replace(docs.TAX, incomes=(), deductions=(), total_deductions=0, municipal_per_capita=0,
                                municipal_income_levy=0, prefectural_per_capita=0, prefectural_income_levy=0)
    text = squeeze("".join(pages(render(docs.tax(older)))))
    assert "総所得金額5,120,000円" in text and "199,800円" in text and "132,200円" in text
    assert "所得控除額合計" not in text and "合計所得金額" not in text


def test_the_juminhyo_prints_ruled_person_blocks_with_remarks(render, tmp_path):
    pdf = render(docs.juminhyo())
    text = squeeze("".join(pages(pdf)))
    for words in ("住所", "世帯主", "氏名", "サトウイチロウ", "生年月日", "性別", "続柄", "住民となった年月日",
                  "住所を定めた年月日", "届出日", "従前の住所", "本籍", "筆頭者", "個人番号123456789018", "備考",
                  "令和2年4月1日世帯主変更"):
        assert squeeze(words) in text, words
    assert len(pages(pdf)) == 1
    found = regions(pdf, tmp_path)
    assert {"見出し（1）", "見出し（2）", "見出し（3）", "備考（2）"} <= found.keys()  # several persons a sheet
    name, born, sex = (found[f"{label}（1）"].box for label in ("氏名", "生年月日", "性別"))
    assert name[1] == born[1] == sex[1] and name[2] <= born[0] < born[2] <= sex[0]  # cells side by side on one line
    remark = found["備考（1）"].box
    assert remark[1] < min(r.box[1] for n, r in found.items() if n.endswith("（1）") and not n.startswith(("備考", "見出し")))


def test_a_household_of_four_with_its_remarks_fits_one_sheet(render):
    """Four persons, each with 個人番号 and 備考 (one with two lines), print on one sheet above the
    closing block, as the paper forms do: not three and a lone 備考 on a second sheet."""
    fourth = docs.resident("佐藤　陽菜", "サトウ　ヒナ", docs.date(2014, 6, 20), "女", "子", my_number="123456789018")
    household = tuple(dataclasses.replace(p, my_number="123456789018") for p in docs.HOUSEHOLD[:2]) + (
        dataclasses.replace(docs.HOUSEHOLD[2], my_number="123456789018", remarks=docs.HOUSEHOLD[0].remarks), fourth)
    pdf = render(docs.juminhyo(household))
    [page] = pages(pdf)
    assert "1 / 1" in page and "以下余白" in page and squeeze("令和2年4月1日　世帯主変更") in squeeze(page)


def test_the_foreign_residents_juminhyo_shows_the_section_30_45_category(render):
    text = squeeze("".join(pages(render(docs.juminhyo((docs.FOREIGNER,))))))
    for words in ("国籍・地域", "ブラジル", "第30条の45に規定する区分", "中長期在留者", "在留資格", "技術・人文知識・国際業務",
                  "在留期間等5年", "在留期間等の満了の日", "令和10年3月31日", "在留カード等の番号", "AB12345678CD", "備考", "国外から転入"):
        assert squeeze(words) in text, words


def test_the_kisai_certificate_has_the_person_blocks_its_title_and_attestation(render):
    text = squeeze("".join(pages(render(docs.juminhyo(kind=CertificateKind.JUMINHYO_KISAI)))))
    assert "住民票記載事項証明書" in text and "上記のとおり住民票に記載されていることを証明する。" in text
    assert "備考" in text and "住民となった年月日" in text


def test_the_inkan_impression_stands_beside_the_holders_items(render, tmp_path):
    found = regions(render(docs.inkan(draw_impression("佐藤", RECIPE), RECIPE)), tmp_path)
    seal, name, address = (found[f"{label}（登録者）"].box for label in ("印影", "氏名", "住所"))
    assert seal[2] <= name[0] and seal[1] < name[1] < seal[3] and seal[1] < address[1] < seal[3]


def test_the_fuhyo_lists_sex_and_one_table_line_an_address(render, tmp_path):
    pdf = render(docs.fuhyo())
    text = squeeze("".join(pages(pdf)))
    assert "性別女" in text and "住所を定めた年月日" in text
    found = regions(pdf, tmp_path)
    address, set_on = found["住所（1）"].box, found["住所を定めた年月日（1）"].box
    assert address[2] <= set_on[0] and address[1] == set_on[1]  # side by side, one line each


def test_the_forms_own_words_are_in_the_font():
    """Column headings and the like are printed by the shapes, not checked per document."""
    from printing.forms import cells, tax

    words = [name for columns in (tax.INCOME_COLUMNS, tax.DEDUCTION_COLUMNS, tax.LEVY_COLUMNS) for name, _ in columns]
    words += [tax.TAXPAYER, "（続き）", "続き", cells.FuhyoShape.ADDRESS, cells.FuhyoShape.SET_ON, "【】"]
    words += [label for line in cells.JUMINHYO_BODY.lines for label, _ in line]
    assert not fonts.missing_glyphs(fonts.MINCHO, "".join(words))


def test_a_hostile_code_with_an_empty_table_is_refused_or_drawn_never_a_crash(provisioned_dir):
    from center.pki.seals import load_current_seal_key, load_seal_private_key
    from printing.model import Item
    from printing.redraw import CannotRedraw, redraw
    from printing.security.seal_code import PageSeal, seal_bytes

    key_id = load_current_seal_key(provisioned_dir, "990001").key.key_id
    closing = (Item("#C", "七星市長"), Item("認証文", "上記のとおり相違ないことを証明する。"), Item("発行日", "令和8年11月25日"),
               Item("証明者", "七星市長　北斗　一郎"))
    for lines in ((Item("#H", "所得の内容"), Item("#H", "税額の内容"), Item("市町村民税", "1円　2円　3円　4円")),
                  (Item("#H", "所得の内容"), Item("#E", ""))):
        seal = PageSeal("990001", "tax_shotoku", "990001-1", "2026-11-25T10:00", 1, 1, True, (*lines, *closing), key_id,
                        "七星市")
        code = seal_bytes(seal, load_seal_private_key(provisioned_dir, "990001"))
        try:
            redraw(seal, code)
        except CannotRedraw:
            pass


def test_paper_printed_before_the_forms_is_still_drawn_again_as_printed(provisioned_dir, tmp_path, monkeypatch):
    """A page without the form line was printed as the plain table: it is drawn again as one."""
    need_real_stack(all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo")), "poppler-utils missing")
    from printing import renderer
    from printing.forms.table import TABLE
    from printing.verify import Verdict, verify_files
    from printing.verify_cli import seal_keys
    from printing.verify_report import describe

    monkeypatch.setattr(renderer, "shape_for", lambda kind: TABLE)
    path = tmp_path / "old.pdf"
    path.write_bytes(ReportlabRenderer(SealSigner(provisioned_dir)).render(docs.koseki()))
    monkeypatch.undo()
    report = verify_files([path], seal_keys(provisioned_dir))
    assert report.verdict is Verdict.VALID, describe("old.pdf", report)
    assert all(page.compared.startswith("compared with its redrawing") for page in report.pages)
    assert "見出し（戸籍に記録されている者）" in regions(path.read_bytes(), tmp_path)  # the grey heading bands


def test_a_page_names_its_form_and_an_unknown_form_is_not_drawn(render, provisioned_dir):
    from center.pki.seals import load_current_seal_key, load_seal_private_key
    from printing.model import Item
    from printing.paginate import FORM
    from printing.redraw import CannotRedraw, redraw
    from printing.security.seal_code import PageSeal, seal_bytes

    font = fonts.font(fonts.MINCHO)
    document = docs.koseki()
    plans = plan_pages(LAYOUTS[document.kind](document, LayoutStyle()), closing_lines("七星市長", ()), font,
                       lambda items: True, shape_for(document.kind.value))
    assert all(plan.items[0] == Item(FORM, "1") for plan in plans)
    key_id = load_current_seal_key(provisioned_dir, "990001").key.key_id
    lines = (Item(FORM, "2"), Item("本籍", "架空県"), Item("#C", "七星市長"), Item("認証文", "x"), Item("発行日", "令和8年11月25日"),
             Item("証明者", "七星市長　北斗　一郎"))
    seal = PageSeal("990001", "koseki_zenbu", "990001-1", "2026-11-25T10:00", 1, 1, True, lines, key_id, "七星市")
    with pytest.raises(CannotRedraw, match="form"):
        redraw(seal, seal_bytes(seal, load_seal_private_key(provisioned_dir, "990001")))
