"""Item builders several layouts share: a 住民票 person, a 戸籍 person, a tax record."""
from __future__ import annotations

from kiosk.documents import CertificateDocument, JuminhyoBody, JuminhyoPerson, KosekiBody, KosekiPerson, TaxBody
from printing.model import Composition, Item, Section
from printing.wareki import wareki, wareki_fiscal_year, wareki_year


def yen(amount: int) -> str:
    return f"{amount:,}円"


def present(*items: tuple[str, str | None]) -> tuple[Item, ...]:
    """Items whose value is set: an item the resident did not choose is not printed at all."""
    return tuple(Item(label, value) for label, value in items if value is not None)


def juminhyo_person(number: int, person: JuminhyoPerson) -> Section:
    """The items of 住民基本台帳法 第7条 the center put in; 住民票コード is never among them."""
    until = person.residence_period_until
    return Section(
        heading=str(number),
        items=present(
            ("氏名", person.name),
            ("フリガナ", person.name_kana),
            ("生年月日", wareki(person.birth_date)),
            ("性別", person.sex),
            ("続柄", person.relationship),
            ("住民となった日", wareki(person.became_resident_on)),
            ("住所を定めた日", wareki(person.address_set_on)),
            ("届出日", wareki(person.notified_on)),
            ("従前の住所", person.previous_address),
            ("本籍", person.honseki),
            ("筆頭者", person.hittousha),
            ("個人番号", person.my_number),
            ("国籍・地域", person.nationality),
            ("在留資格", person.residence_status),
            ("在留期間等の満了の日", wareki(until) if until else None),
            ("在留カード等の番号", person.residence_card_number),
        ),
    )


def koseki_person(person: KosekiPerson) -> tuple[Section, ...]:
    """戸籍に記録されている者 and, below it, the person's 身分事項 in the order recorded."""
    who = Section(
        heading="戸籍に記録されている者",
        items=present(
            ("名", person.name),
            ("生年月日", wareki(person.birth_date)),
            ("性別", person.sex),
            ("父", person.father),
            ("母", person.mother),
            ("続柄", person.relationship),
        ),
        mark="除籍" if person.removed else "",
    )
    if not person.entries:
        return (who,)
    events = Section(
        heading="身分事項",
        items=tuple(Item(entry.event, f"【{entry.event}日】{wareki(entry.on)}　{entry.detail}") for entry in person.entries),
    )
    return who, events


def tax_items(body: TaxBody) -> tuple[Item, ...]:
    return present(
        ("年度", wareki_fiscal_year(body.fiscal_year)),
        ("所得の年", f"{wareki_year(body.income_year)}分"),
        ("氏名", body.name),
        ("生年月日", wareki(body.birth_date)),
        ("住所", body.address),
    )


def tax_amounts(body: TaxBody) -> tuple[Item, ...]:
    return present(
        ("総所得金額", yen(body.total_income)),
        ("課税標準額", yen(body.taxable_income)),
        ("市町村民税額", yen(body.municipal_tax)),
        ("道府県民税額", yen(body.prefectural_tax)),
        ("扶養親族の数", f"{body.dependents}人"),
        ("課税区分", "課税" if body.taxed else "非課税"),
    )


def koseki_composition(document: CertificateDocument, attestation: str) -> Composition:
    """Both 戸籍 forms print the persons they were given; only the 認証文 differs."""
    body: KosekiBody = document.body
    return Composition(
        title=document.kind.title_ja,
        header=present(("本籍", body.honseki), ("筆頭者", body.hittousha)),
        sections=tuple(s for person in body.persons for s in koseki_person(person)),
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
