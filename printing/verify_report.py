"""``kiosk verify`` output: one verdict line, what is wrong with the pages together, then each page:
which side of the sheet it is (表面 front, or 裏面 back: the back carries the front's code, so
its signed items are what the front must show), how it was compared, every field that differs
(named, with the signed value and where on the page), and the page's signed items for a person
to compare."""
from __future__ import annotations

from kiosk.kinds import CertificateKind
from printing.verify import PageReport, Report, Verdict

_VERDICT_JA = {Verdict.VALID: "有効", Verdict.TAMPERED: "改ざん・不一致", Verdict.UNKNOWN_KEY: "発行者の鍵が不明",
               Verdict.WITHDRAWN_KEY: "発行者の鍵が漏えいにより失効"}

CHANGES = {
    "changed": "changed: it does not look as signed",
    "covered": "covered: what was signed there is missing",
    "added": "added: something is printed where the signed page has nothing",
    "not in the scan": "not in the scan: this part of the page is cut off",
}


def title_of(kind: str) -> str:
    try:
        return CertificateKind(kind).title_ja
    except ValueError:
        return kind


def side_of(page: PageReport) -> str:
    return "裏面 (back)" if page.back else "表面 (front)"


def describe(file: str, report: Report) -> str:
    lines = [f"{file}: {report.verdict.value} ({_VERDICT_JA[report.verdict]})"]
    lines.extend(f"  ! {problem}" for problem in report.binding)
    for page in report.pages:
        seal = page.seal
        lines.append("")
        lines.append(
            f"{page.where}: {page.verdict.value} — {side_of(page)}: {title_of(seal.kind)}, 発行番号 {seal.issue_number}, "
            f"{seal.page}/{seal.pages} 頁, {seal.issued_at}, 発行者コード {seal.municipality_code}"
            + (f", 鍵 {seal.key_id}" if seal.key_id else "")
            + (", 見本 (demo key)" if seal.demo else "")
        )
        key = page.key
        if page.verdict is Verdict.UNKNOWN_KEY:
            which = f"key {seal.key_id}" if seal.key_id else "key"
            lines.append(f"  no public seal {which} for municipality {seal.municipality_code}: the signature was not checked")
        elif page.verdict is Verdict.WITHDRAWN_KEY and key and key.withdrawal:
            lines.append(f"  signed with key {key.key_id}, withdrawn {key.withdrawal.at:%Y-%m-%d} as compromised: "
                         "nothing it signed can be trusted, whatever its date")
        elif key and key.withdrawal:
            lines.append(f"  signed with key {key.key_id}, withdrawn {key.withdrawal.at:%Y-%m-%d} "
                         f"({key.withdrawal.reason.value}): what it signed stays valid")
        elif key is None and page.verdict is Verdict.TAMPERED:
            lines.append("  the signature does not match: the code was altered or another key signed it")
        if page.compared:
            lines.append(f"  {page.compared}")
        for seen in page.seen:
            left, top = seen.millimetres()
            signed = f"; signed 「{seen.value}」" if seen.value else ""
            lines.append(f"  ! {seen.field} — {CHANGES.get(seen.change, seen.change)}{signed} "
                         f"({left} mm from the left, {top} mm from the top)")
        for difference in page.differences:
            lines.append(f"  ! {difference}")
        if page.back:
            lines.append(f"  the back of page {seal.page}/{seal.pages}: its code is the front's; the front must show "
                         "the signed items below")
            if page.check_mark:
                lines.append(f"  照合記号 {page.check_mark}: printed beside the back's code")
            lines.append("  signed items of the front (hold them against the front):")
        else:
            lines.append("  signed items (hold them against the paper):")
        lines.extend(f"    {item.label}: {item.value}" for item in seal.printed_items)
    return "\n".join(lines)
