"""Colour contrast, computed from the theme (WCAG 2.x), not from a list of pairs written by hand.

The style sheet of ``Theme(1280, 1024, family)`` is parsed rule by rule and cascaded the way Qt
does it (type selectors match subclasses, so ``QWidget { ... }`` is what every rule starts from;
more specific selectors win, later ones break ties; a widget's own ``setStyleSheet`` wins over
the window's). A transparent background shows whatever the nearest painted ancestor paints.

- text: 4.5:1 against its background (WCAG 1.4.3) in every state the sheet styles — every label
  role (title, warning, note, the step indicator's steps...), every button role normal, pressed,
  checked (selected), checked and pressed, disabled — and the progress bar's text;
- parts that carry meaning: 3:1 (WCAG 1.4.11) — the progress bar's chunk against its track, a
  button's edge against what is around it, the selected fill against the unselected one;
- selected and disabled never share a background colour;
- the real window: every text on every gallery state, with the colours its own ``setStyleSheet``
  sets (grepped from ui/ too, so a colour set there and never seen on screen is reported).
"""
from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6 import QtWidgets
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractButton, QLabel, QProgressBar, QWidget

TEXT, NON_TEXT = 4.5, 3.0
UI = Path(__file__).resolve().parents[2] / "ui"


# --- WCAG 2.x -------------------------------------------------------------------------------------------
def luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def over(top: QColor, below: QColor) -> QColor:
    """``top`` painted on ``below`` (alpha blended)."""
    a = top.alphaF()
    return QColor.fromRgbF(top.redF() * a + below.redF() * (1 - a), top.greenF() * a + below.greenF() * (1 - a),
                           top.blueF() * a + below.blueF() * (1 - a))


def test_the_contrast_function():
    assert contrast(QColor("#000000"), QColor("#FFFFFF")) == pytest.approx(21.0)
    assert contrast(QColor("#FFFFFF"), QColor("#000000")) == pytest.approx(21.0)
    assert contrast(QColor("#0A2A8C"), QColor("#0A2A8C")) == pytest.approx(1.0)
    assert contrast(QColor("#777777"), QColor("#FFFFFF")) == pytest.approx(4.48, abs=0.01)  # the classic just-fail grey


# --- the style sheet, rule by rule ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Compound:
    """One part of a selector: ``QPushButton[role="primary"]:checked`` or ``QProgressBar::chunk``."""

    cls: type | None  # None: the universal selector
    attrs: tuple[tuple[str, str], ...] = ()
    states: frozenset[str] = frozenset()
    not_states: frozenset[str] = frozenset()
    sub: str | None = None
    name: str | None = None  # #objectName

    def matches(self, node: Node) -> bool:
        return ((self.cls is None or issubclass(node.cls, self.cls))
                and all(node.props.get(k) == v for k, v in self.attrs)
                and self.states <= node.states and not (self.not_states & node.states)
                and self.sub == node.sub and (self.name is None or self.name == node.name))


@dataclass(frozen=True)
class Rule:
    text: str
    parts: tuple[Compound, ...]  # ancestors first
    decls: tuple[tuple[str, str], ...]
    order: int

    @property
    def specificity(self) -> tuple[int, int, int]:
        ids = sum(p.name is not None for p in self.parts)
        classes = sum(len(p.attrs) + len(p.states) + len(p.not_states) + (p.sub is not None) for p in self.parts)
        types = sum(p.cls is not None for p in self.parts)
        return ids, classes, types

    def matches(self, node: Node) -> bool:
        if not self.parts[-1].matches(node):
            return False
        wanted = list(self.parts[:-1])
        up = node.parent
        while wanted and up is not None:
            if wanted[-1].matches(up):
                wanted.pop()
            up = up.parent
        return not wanted


_COMPOUND = re.compile(r"""^(?P<type>\*|[A-Za-z_][\w]*)?(?P<rest>(?:\[[^\]]*\]|\#[\w-]+|::?!?[\w-]+)*)$""")


def parse_compound(words: str) -> Compound:
    match = _COMPOUND.match(words)
    if not match:
        raise ValueError(f"cannot read the selector part {words!r}")
    type_name = match["type"]
    cls = None
    if type_name and type_name != "*":
        cls = getattr(QtWidgets, type_name, None)
        if cls is None:
            raise ValueError(f"no Qt widget class {type_name!r} (selector {words!r})")
    attrs, states, not_states, sub, name = [], set(), set(), None, None
    for part in re.findall(r"\[[^\]]*\]|\#[\w-]+|::?!?[\w-]+", match["rest"] or ""):
        if part.startswith("["):
            key, _, value = part[1:-1].partition("=")
            attrs.append((key.strip(), value.strip().strip("\"'") if value else "true"))
        elif part.startswith("#"):
            name = part[1:]
        elif part.startswith("::"):
            sub = part[2:]
        elif part.startswith(":!"):
            not_states.add(part[2:])
        else:
            states.add(part[1:])
    return Compound(cls, tuple(attrs), frozenset(states), frozenset(not_states), sub, name)


def parse_declarations(body: str) -> tuple[tuple[str, str], ...]:
    out = []
    for declaration in body.split(";"):
        key, colon, value = declaration.partition(":")
        if colon and key.strip():
            out.append((key.strip().lower(), " ".join(value.split())))
    return tuple(out)


def parse_sheet(sheet: str, first_order: int = 0) -> list[Rule]:
    sheet = re.sub(r"/\*.*?\*/", "", sheet, flags=re.DOTALL)
    rules = []
    for n, (selectors, body) in enumerate(re.findall(r"([^{}]+)\{([^{}]*)\}", sheet)):
        decls = parse_declarations(body)
        for selector in selectors.split(","):
            words = selector.replace(">", " ").split()
            if words:
                rules.append(Rule(" ".join(selector.split()), tuple(parse_compound(w) for w in words), decls,
                                  first_order + n))
    return rules


def sheet_of(widget_sheet: str) -> tuple[list[Rule], tuple[tuple[str, str], ...]]:
    """A widget's own ``setStyleSheet``: rules (with selectors), or bare declarations for the widget itself."""
    if "{" in widget_sheet:
        return parse_sheet(widget_sheet), ()
    return [], parse_declarations(widget_sheet)


# --- what a widget looks like ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """A widget as the style sheet sees it (real, or made up from a selector)."""

    cls: type
    props: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    states: frozenset[str] = frozenset()
    parent: Node | None = None
    name: str = ""
    sub: str | None = None
    own_rules: tuple[Rule, ...] = ()  # from the widget's own setStyleSheet: for it and what is inside it
    own: tuple[tuple[str, str], ...] = ()  # bare declarations from its own setStyleSheet
    paints: bool = True  # draws its background (Qt: WA_StyledBackground, buttons, windows)

    def describe(self) -> str:
        words = self.cls.__name__
        words += "".join(f'[{k}="{v}"]' for k, v in sorted(self.props.items()))
        words += "".join(f":{s}" for s in sorted(self.states))
        if self.sub:
            words += f"::{self.sub}"
        if self.parent is not None and self.parent.parent is not None:
            words = f"{self.parent.describe()} {words}"
        return words


def cascade(node: Node, rules: list[Rule]) -> dict[str, str]:
    """The declarations that apply to ``node``: the window's sheet, then inner sheets, then its own."""
    layers = [rules]
    chain = []
    up = node
    while up is not None:
        chain.append(up)
        up = up.parent
    layers += [list(n.own_rules) for n in reversed(chain) if n.own_rules]
    out: dict[str, str] = {}
    for layer in layers:
        for rule in sorted((r for r in layer if r.matches(node)), key=lambda r: (r.specificity, r.order)):
            _merge(out, rule.decls)
    _merge(out, node.own)
    return out


def _merge(out: dict[str, str], decls) -> None:
    for key, value in decls:
        if key == "border":  # the shorthand resets what it covers
            for k in ("border-color", "border-style", "border-width"):
                out.pop(k, None)
        if key == "background":
            out.pop("background-color", None)
        out[key] = value


def _colour_in(value: str) -> QColor | None:
    """The colour in a property value, None for transparent / none."""
    value = value.strip()
    if value in ("", "none", "transparent") or value.startswith("0 "):
        return None
    for token in re.findall(r"rgba?\([^)]*\)|#[0-9A-Fa-f]{3,8}\b|[A-Za-z]+", value):
        if token.startswith("rgb"):
            numbers = [float(x.strip().rstrip("%")) for x in token[token.index("(") + 1:-1].split(",")]
            alpha = numbers[3] if len(numbers) > 3 else 255
            colour = QColor(int(numbers[0]), int(numbers[1]), int(numbers[2]))
            colour.setAlphaF(alpha / 255 if alpha > 1 else alpha)
            return colour
        if token in ("none", "transparent"):
            return None
        if token.startswith("#") or QColor.isValidColorName(token):
            if token.lower() in ("solid", "dashed", "dotted", "double", "groove", "ridge", "inset", "outset"):
                continue
            return QColor(token)
    if "gradient" in value:
        raise ValueError(f"a gradient ({value}): the test cannot tell its contrast, give a plain colour")
    return None


def ink(decls: dict[str, str]) -> QColor | None:
    return _colour_in(decls["color"]) if "color" in decls else None


def fill(decls: dict[str, str]) -> QColor | None:
    value = decls.get("background-color", decls.get("background", ""))
    return _colour_in(value)


def edge(decls: dict[str, str]) -> QColor | None:
    """The border's colour, None when there is no border."""
    shorthand = decls.get("border", "")
    if shorthand.startswith(("none", "0")) or decls.get("border-style", "") == "none":
        return None
    if "border-color" in decls:
        return _colour_in(decls["border-color"])
    return _colour_in(shorthand) if shorthand else None


def backdrop(node: Node | None, rules: list[Rule], base: QColor) -> QColor:
    """What shows behind ``node``'s text: its own fill, or the nearest painted ancestor's."""
    layers = []
    while node is not None:
        colour = fill(cascade(node, rules)) if node.paints else None
        if colour is not None:
            layers.append(colour)
            if colour.alpha() == 255:
                break
        node = node.parent
    result = base
    for colour in reversed(layers):
        result = over(colour, result)
    return result


def text_colour(node: Node, rules: list[Rule], base_ink: QColor) -> QColor:
    colour = ink(cascade(node, rules))
    return colour if colour is not None else base_ink


# --- the theme ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sheet(qapp) -> list[Rule]:
    from ui.theme import Theme, load_font

    return parse_sheet(Theme(1280, 1024, load_font()).stylesheet())


@pytest.fixture(scope="module")
def window_node() -> Node:
    return Node(QWidget, name="kiosk")


def _defaults(qapp) -> tuple[QColor, QColor]:
    palette = qapp.palette()
    return palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window)


BUTTON_STATES = (frozenset(), frozenset({"pressed"}), frozenset({"checked"}), frozenset({"checked", "pressed"}),
                 frozenset({"disabled"}), frozenset({"checked", "disabled"}))
_TEXT_CLASSES = (QLabel, QAbstractButton, QProgressBar)


def _node_from(parts: tuple[Compound, ...], root: Node, states: frozenset[str] | None = None) -> Node:
    """A made-up widget for a selector: each part one level down from ``root``."""
    node = root
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        cls = part.cls or QWidget
        node = Node(cls, dict(part.attrs), (states if last and states is not None else part.states), node,
                    part.name or "", part.sub)
    return node


def styled_elements(rules: list[Rule], root: Node) -> list[Node]:
    """Every element the sheet styles: each selector as written, and each button role in every state."""
    seen: dict[str, Node] = {}
    for rule in rules:
        node = _node_from(rule.parts, root)
        seen.setdefault(node.describe(), node)
        last = rule.parts[-1]
        if last.cls is not None and issubclass(last.cls, QAbstractButton) and last.sub is None:
            for states in BUTTON_STATES:
                variant = _node_from(rule.parts, root, states)
                seen.setdefault(variant.describe(), variant)
    return list(seen.values())


def test_every_styled_text_has_contrast(qapp, sheet, window_node):
    """Text on its background, 4.5:1, for everything the style sheet styles, in every button state."""
    base_ink, base_paper = _defaults(qapp)
    failures = []
    for node in styled_elements(sheet, window_node):
        if node.sub is not None or not (issubclass(node.cls, _TEXT_CLASSES) or node.cls is QWidget):
            continue
        if "disabled" in node.states and not issubclass(node.cls, QAbstractButton):
            continue
        fg = text_colour(node, sheet, base_ink)
        bg = backdrop(node, sheet, base_paper)
        ratio = contrast(over(fg, bg), bg)
        if ratio < TEXT:
            failures.append(f"{node.describe()}: text {fg.name()} on {bg.name()} is {ratio:.2f}:1, needs {TEXT}:1")
    assert not failures, "\n".join(failures)


def _progress_colours(qapp, sheet: list[Rule], window_node: Node) -> tuple[QColor, QColor, str]:
    """(chunk, track, how known): from the sheet, else as the native style paints them."""
    _, base_paper = _defaults(qapp)
    bar = Node(QProgressBar, parent=window_node)
    chunk = fill(cascade(Node(QProgressBar, parent=window_node, sub="chunk"), sheet))
    if chunk is not None:
        return chunk, backdrop(bar, sheet, base_paper), "style sheet"
    from ui.theme import Theme, load_font

    host = QWidget()  # the native bar, under the theme's sheet: what it paints is what it shows
    host.setStyleSheet(Theme(1280, 1024, load_font()).stylesheet())
    widget = QProgressBar(host)
    widget.setTextVisible(False)
    widget.setGeometry(0, 0, 400, 40)
    widget.setRange(0, 2)
    widget.setValue(1)
    host.resize(400, 40)
    image = widget.grab().toImage()
    host.deleteLater()
    track = image.pixelColor(300, 20)
    # the chunk's inside (its outline aside), where it is lightest against the track: a gradient is as
    # readable as its weakest part
    inside = [image.pixelColor(x, y) for x in range(20, 180, 8) for y in range(6, 34)]
    chunk = min(inside, key=lambda c: contrast(c, track))
    return chunk, track, "painted by the native style, its lightest part"


def test_meaningful_parts_have_contrast(qapp, sheet, window_node):
    """3:1 for what tells a state (WCAG 1.4.11), and selected never looks like disabled."""
    _, base_paper = _defaults(qapp)
    failures = []
    chunk, track, how = _progress_colours(qapp, sheet, window_node)
    ratio = contrast(chunk, track)
    if ratio < NON_TEXT:
        failures.append(f"QProgressBar::chunk ({how}): {chunk.name()} on its track {track.name()} is {ratio:.2f}:1, "
                        f"needs {NON_TEXT}:1")

    contexts = [window_node] + [
        _node_from(r.parts, window_node) for r in sheet
        if len(r.parts) == 1 and r.parts[0].cls is not None and r.parts[0].attrs
        and issubclass(r.parts[0].cls, QtWidgets.QFrame) and not issubclass(r.parts[0].cls, QLabel)
    ]
    roles = sorted({dict(r.parts[-1].attrs).get("role", "") for r in sheet
                    if r.parts[-1].cls is not None and issubclass(r.parts[-1].cls, QtWidgets.QPushButton)})
    # a role is selectable if the sheet styles it checked; the plain button is (the window's choices are)
    selectable = {""} | {dict(r.parts[-1].attrs).get("role", "") for r in sheet if "checked" in r.parts[-1].states}
    for role in roles:
        props = {"role": role} if role else {}
        looks = {}
        for states in (frozenset(), frozenset({"checked"}), frozenset({"disabled"})):
            decls = cascade(Node(QtWidgets.QPushButton, props, states, window_node), sheet)
            looks[states] = (fill(decls), edge(decls))
        (normal_fill, _), (checked_fill, _), (disabled_fill, _) = (looks[s] for s in looks)
        name = f'QPushButton[role="{role}"]' if role else "QPushButton"
        for context in contexts:
            around = backdrop(context, sheet, base_paper)
            for states in (frozenset(), frozenset({"checked"})):
                button = Node(QtWidgets.QPushButton, props, states, context)
                decls = cascade(button, sheet)
                outline = edge(decls) or fill(decls) or around
                ratio = contrast(over(outline, around), around)
                if ratio < NON_TEXT:
                    failures.append(f"{button.describe()}: its edge {outline.name()} on {around.name()} is {ratio:.2f}:1, "
                                    f"needs {NON_TEXT}:1 to be seen as a button")
        if role not in selectable:
            continue
        page = backdrop(window_node, sheet, base_paper)
        normal = over(normal_fill or page, page)
        checked = over(checked_fill or page, page)
        ratio = contrast(checked, normal)
        if ratio < NON_TEXT:
            failures.append(f"{name}:checked: selected {checked.name()} against unselected {normal.name()} is "
                            f"{ratio:.2f}:1, needs {NON_TEXT}:1")
        disabled = over(disabled_fill or page, page)
        if disabled.rgb() == checked.rgb():
            failures.append(f"{name}: selected and disabled look the same ({checked.name()})")
    assert not failures, "\n".join(failures)


# --- the real window, every gallery state --------------------------------------------------------------------
def _prop(widget: QWidget, key: str) -> str | None:
    value = widget.property(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Window:
    """Nodes for the real widgets of a window: class, the properties selectors ask about, states, own sheets."""

    def __init__(self, rules: list[Rule]) -> None:
        self.keys = {k for r in rules for p in r.parts for k, _ in p.attrs}

    def node(self, widget: QWidget, pressed: QWidget | None = None) -> Node:
        parent = widget.parentWidget()
        states = set()
        if not widget.isEnabled():
            states.add("disabled")
        if isinstance(widget, QAbstractButton) and widget.isChecked():
            states.add("checked")
        if widget is pressed:
            states.add("pressed")
        own_rules, own = sheet_of(widget.styleSheet()) if widget.styleSheet() and parent is not None else ([], ())
        paints = (widget.testAttribute(Qt.WidgetAttribute.WA_StyledBackground) or widget.isWindow()
                  or isinstance(widget, (QAbstractButton, QProgressBar)))
        return Node(type(widget), {k: v for k in self.keys if (v := _prop(widget, k)) is not None}, frozenset(states),
                    self.node(parent, pressed) if parent is not None else None, widget.objectName(), None,
                    tuple(own_rules), own, paints)


def _presser(widget: QWidget) -> QAbstractButton | None:
    """The enabled button a finger would press to press ``widget`` (itself, or the button it is drawn on)."""
    while widget is not None:
        if isinstance(widget, QAbstractButton):
            return widget if widget.isEnabled() else None
        widget = widget.parentWidget()
    return None


def set_in_ui() -> dict[str, set[str]]:
    """Colours that ``setStyleSheet`` calls in ui/ can set: {colour name: {file:line}} (grepped with ast)."""
    found: dict[str, set[str]] = {}
    for path in sorted(UI.rglob("*.py")):
        if path.name == "demo_panel.py":  # the presenter's panel beside the kiosk, not the kiosk
            continue
        source = path.read_text(encoding="utf-8")
        if "setStyleSheet" not in source:
            continue
        tree = ast.parse(source)
        module = importlib.import_module(".".join(path.relative_to(UI.parent).with_suffix("").parts))
        for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
            for call in [n for n in ast.walk(func) if isinstance(n, ast.Call)]:
                if not (isinstance(call.func, ast.Attribute) and call.func.attr == "setStyleSheet" and call.args):
                    continue
                for words in _values(call.args[0], func, module):
                    for key, value in parse_declarations(words):
                        colour = _colour_in(value) if key in ("color", "background", "background-color") else None
                        if colour is not None:
                            found.setdefault(f"{key}: {colour.name()}", set()).add(f"{path.relative_to(UI.parent)}:{call.lineno}")
    return found


def _values(node: ast.expr, func: ast.FunctionDef, module) -> list[str]:
    """Every string ``node`` can be: f-strings with each value their names can take (both sides of an if)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        out = [""]
        for part in node.values:
            options = _values(part.value, func, module) if isinstance(part, ast.FormattedValue) else [part.value]
            out = [o + str(x) for o in out for x in options]
        return out
    if isinstance(node, ast.IfExp):
        return _values(node.body, func, module) + _values(node.orelse, func, module)
    if isinstance(node, ast.Name):
        assigned = [a.value for a in ast.walk(func) if isinstance(a, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)]
        if assigned:
            return [v for value in assigned for v in _values(value, func, module)]
    try:
        return [str(eval(compile(ast.Expression(node), "<ui>", "eval"), vars(module)))]
    except Exception:  # noqa: BLE001 - a value known only at run time: the walk over the real window sees it
        return []


def _selected_looks(button: QAbstractButton, nodes: Window, rules: list[Rule], base_paper: QColor) -> list[str]:
    """A selectable button: selected against unselected 3:1, and selected never the disabled look."""
    real = nodes.node(button)
    around = backdrop(real.parent, rules, base_paper)
    looks = {}
    for states in (frozenset(), frozenset({"checked"}), frozenset({"disabled"})):
        node = Node(real.cls, real.props, states, real.parent, real.name, None, real.own_rules, real.own, real.paints)
        looks[states] = over(fill(cascade(node, rules)) or around, around)
    normal, checked, disabled = looks.values()
    out = []
    ratio = contrast(checked, normal)
    if ratio < NON_TEXT:
        out.append(f"{real.describe()} {button.text()[:30]!r}: selected {checked.name()} against unselected "
                   f"{normal.name()} is {ratio:.2f}:1, needs {NON_TEXT}:1")
    if checked.rgb() == disabled.rgb():
        out.append(f"{real.describe()} {button.text()[:30]!r}: selected and disabled look the same ({checked.name()})")
    return out


@pytest.fixture(scope="module")
def gallery_window(qapp, tmp_path_factory, provisioned_dir):
    from ui import gallery

    work = tmp_path_factory.mktemp("contrast")
    states = gallery.capture(work, provisioned_dir)
    shell = gallery.display_shell(work, (1280, 1024), provisioned_dir)
    yield shell, states
    shell.close()
    shell.window.close()


def test_every_text_on_screen_has_contrast(qapp, sheet, gallery_window):
    """Each text of each gallery state, in its real place, with its own setStyleSheet, pressed too."""
    from ui import gallery

    shell, states = gallery_window
    base_ink, base_paper = _defaults(qapp)
    window_sheet = parse_sheet(shell.window.styleSheet())
    rules = window_sheet or sheet
    nodes = Window(rules)
    failures: dict[str, list[str]] = {}
    inline_seen: set[str] = set()
    for state in gallery.walk(shell, states, "ja"):
        for widget in shell.window.findChildren(QWidget):
            if not widget.isVisibleTo(shell.window):
                continue
            if widget.styleSheet():
                _, own = sheet_of(widget.styleSheet())
                inline_seen |= {f"{k}: {c.name()}" for k, v in own if (c := _colour_in(v)) is not None
                                and k in ("color", "background", "background-color")}
            if isinstance(widget, QAbstractButton) and widget.isCheckable() and widget.isEnabled():
                for line in _selected_looks(widget, nodes, rules, base_paper):
                    failures.setdefault(line, []).append(state.name)
            words = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
            if isinstance(widget, QProgressBar) and widget.isTextVisible():
                words = widget.text()
            if not words:
                continue
            presser = _presser(widget)
            for pressed in (None, presser) if presser is not None else (None,):
                node = nodes.node(widget, pressed)
                fg = text_colour(node, rules, base_ink)
                bg = backdrop(node, rules, base_paper)
                ratio = contrast(over(fg, bg), bg)
                if ratio < TEXT:
                    line = (f"{node.describe()} {words[:40]!r}{' (pressed)' if pressed else ''}: "
                            f"{fg.name()} on {bg.name()} is {ratio:.2f}:1, needs {TEXT}:1")
                    failures.setdefault(line, []).append(state.name)
    unseen = {colour: sites for colour, sites in set_in_ui().items() if colour not in inline_seen}
    lines = [f"{line}\n    on {', '.join(names)}" for line, names in failures.items()]
    lines += [f"{colour} set by setStyleSheet at {', '.join(sorted(sites))} never shows on a gallery state: "
              f"unchecked (add the state to ui/gallery.py)" for colour, sites in unseen.items()]
    assert not lines, "\n".join(lines)
