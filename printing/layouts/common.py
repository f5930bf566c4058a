"""Item builders several layouts share: a 住民票 person, a 戸籍 person, a tax record.

The labels are the forms' own item names; each form's shape (printing.forms) places the items
by their labels and sections, so a label here is also where the item goes on the sheet.
"""
from __future__ import annotations

import re

from kiosk.documents import (
    CertificateDocument, JuminhyoBody, JuminhyoPerson, KosekiBody, KosekiEntryLine, KosekiPerson, TaxBody,
)
from printing.forms.base import CELL_SEP
from printing.model import Composition, Item, Section
from printing.wareki import wareki, wareki_fiscal_year, wareki_year

# 戸籍事項 events whose date item is not 【{event}日】 (戸籍編製 → 【編製日】)
_EVENT_DATE = {"戸籍編製": "編製日", "戸籍改製": "改製日", "戸籍消除": "消除日", "戸籍再製": "再製日"}
_PAIR = re.compile(r"【[^】]*】[^【]*")


def yen(amount: int) -> str:
    return f"{amount:,}円"


def present(*items: tuple[str, str | None]) -> tuple[Item, ...]:
    """Items whose value is set: an item the resident did not choose is not printed at all."""
    return tuple(Item(label, value) for label, value in items if value)


def juminhyo_person(number: int, person: JuminhyoPerson) -> Section:
    """The items of 住民基本台帳法 第7条 the center put in, under the MIC standard form's names,
    the 備考 (the person's recorded events) last; 住民票コード is never among them."""
    until = person.residence_period_until
    return Section(
        heading=str(number),
        items=present(
            ("フリガナ", person.name_kana),
            ("氏名", person.name),
            ("生年月日", wareki(person.birth_date)),
            ("性別", person.sex),
            ("続柄", person.relationship),
            ("住民となった年月日", wareki(person.became_resident_on)),
            ("住所を定めた年月日", wareki(person.address_set_on)),
            ("届出日", wareki(person.notified_on)),
            ("従前の住所", person.previous_address),
            ("本籍", person.honseki),
            ("筆頭者", person.hittousha),
            ("個人番号", person.my_number),
            ("国籍・地域", person.nationality),
            ("第30条の45に規定する区分", person.foreign_resident_category),
            ("在留資格", person.residence_status),
            ("在留期間等", person.residence_period),
            ("在留期間等の満了の日", wareki(until) if until else None),
            ("在留カード等の番号", person.residence_card_number),
        ) + tuple(Item("備考", remark) for remark in person.remarks if remark),
    )


def koseki_event(entry: KosekiEntryLine) -> Item:
    """One event as the 戸籍 records it: 【{event}日】, the detail's 【item】value pairs, with
    【届出日】 before 【届出人】 (or last). The shape prints each pair on a line of its own."""
    pairs = [pair.rstrip("\u3000 ") for pair in _PAIR.findall(entry.detail)]
    if entry.notified_on is not None:
        notified = f"【届出日】{wareki(entry.notified_on)}"
        at = next((n for n, pair in enumerate(pairs) if pair.startswith("【届出人】")), len(pairs))
        pairs.insert(at, notified)
    date_item = _EVENT_DATE.get(entry.event, f"{entry.event}日")
    return Item(entry.event, "\u3000".join((f"【{date_item}】{wareki(entry.on)}", *pairs)))


def koseki_person(person: KosekiPerson) -> tuple[Section, ...]:
    """戸籍に記録されている者 and, below it, the person's 身分事項 in the order recorded. 【名】 is
    the given name alone: the 氏 is the 筆頭者's, printed at the top."""
    who = Section(
        heading="戸籍に記録されている者",
        items=present(
            ("名", person.given_name or person.name),
            ("生年月日", wareki(person.birth_date)),
            ("配偶者区分", ("夫" if person.sex == "男" else "妻") if person.spouse else None),
            ("父", person.father),
            ("母", person.mother),
            ("続柄", person.relationship),
        ),
        mark="除籍" if person.removed else "",
    )
    if not person.entries:
        return (who,)
    return who, Section(heading="身分事項", items=tuple(koseki_event(entry) for entry in person.entries), joined=True)


def koseki_composition(document: CertificateDocument, attestation: str) -> Composition:
    """Both 戸籍 forms print the persons they were given; only the 認証文 differs."""
    body: KosekiBody = document.body
    events = (Section("戸籍事項", tuple(koseki_event(e) for e in body.koseki_events)),) if body.koseki_events else ()
    return Composition(
        title=document.kind.title_ja,
        header=present(("本籍", body.honseki), ("氏名", body.hittousha)),
        sections=events + tuple(s for person in body.persons for s in koseki_person(person)),
        attestation=attestation,
    )


def juminhyo_composition(document: CertificateDocument, attestation: str, one_section_per_page: bool = False) -> Composition:
    """住民票の写し and 記載事項証明書 print the same items; the 認証文 and sheet form differ."""
    body: JuminhyoBody = document.body
    return Composition(
        title=document.kind.title_ja,
        header=present(("住所", body.address), ("世帯主", body.household_head)),
        sections=tuple(juminhyo_person(n, p) for n, p in enumerate(body.persons, start=1)),
        attestation=attestation,
        one_section_per_page=one_section_per_page,
    )


# --- 所得・課税証明書 and 非課税証明書 -------------------------------------------------------------

TAXPAYER, INCOME, DEDUCTIONS, TAX = "納税義務者", "所得の内容", "所得控除の内容", "税額の内容"


def _cells(*cells: str) -> str:
    return CELL_SEP.join(cells)


def tax_composition(document: CertificateDocument, attestation: str) -> Composition:
    """Both tax forms: the 納税義務者, the income by kind, the deductions, the 課税標準額 and the
    taxes by 所得割 and 均等割. A table row's cells are one item, separated by U+3000. What an
    older document does not hold (the breakdowns) is left out or blank, never made up."""
    body: TaxBody = document.body
    taxpayer = Section(TAXPAYER, present(("住所", body.address), ("氏名", body.name),
                                         ("生年月日", wareki(body.birth_date))))
    incomes = tuple(Item(line.kind, _cells(yen(line.revenue) if line.revenue is not None else "", yen(line.income)))
                    for line in body.incomes)
    if incomes:
        incomes += (Item("合計所得金額", yen(sum(line.income for line in body.incomes))),)
    income = Section(INCOME, incomes + (Item("総所得金額", yen(body.total_income)),))
    sections = [taxpayer, income]
    if body.deductions or body.total_deductions:
        sections.append(Section(DEDUCTIONS, tuple(Item(d.kind, yen(d.amount)) for d in body.deductions)
                                + (Item("所得控除額合計", yen(body.total_deductions)),)))

    def levy(per_capita: int, income_levy: int, total: int) -> str:
        if not body.taxed:
            return _cells("", "", "非課税")
        if per_capita or income_levy:
            return _cells(yen(income_levy), yen(per_capita), yen(total))
        return _cells("", "", yen(total))  # an older record: the total alone

    sections.append(Section(TAX, (
        Item("課税標準額", yen(body.taxable_income)),
        Item("扶養親族の数", f"{body.dependents}人"),
        Item("市町村民税", levy(body.municipal_per_capita, body.municipal_income_levy, body.municipal_tax)),
        Item("道府県民税", levy(body.prefectural_per_capita, body.prefectural_income_levy, body.prefectural_tax)),
        Item("課税区分", "課税" if body.taxed else "非課税"),
    )))
    return Composition(
        title=document.kind.title_ja,
        header=present(("年度", wareki_fiscal_year(body.fiscal_year)), ("所得の年", f"{wareki_year(body.income_year)}分")),
        sections=tuple(sections),
        attestation=attestation,
    )
