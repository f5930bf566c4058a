"""One way to read every file the kiosk is handed: the config, municipality files, scenario
files, the demo residents and cards, card files.

Library: msgspec, not pydantic v2. msgspec is strict by default (a bool is never a number, text
is never turned into a number), ``forbid_unknown_fields`` makes every unknown key an error,
``Meta`` bounds numbers (a bound also refuses nan and inf), it stops at the first error (one
line is what the CLI prints), it is one small C extension with no dependencies and imports in
milliseconds, which every ``kiosk`` command pays. pydantic reports the keys of free-form
dicts in its paths, msgspec does not (``[...]``): so every table with known keys is a Struct
here, and ``_explain`` below words msgspec's errors from the schema itself (``msgspec.inspect``),
using the meaning each ``pattern`` carries as its description.

Every file goes the same way: ``read_text`` (a regular file, bounded size, UTF-8 only), then
``parse_toml``/``parse_json`` (syntax, bounded nesting, no NaN/Infinity in JSON, no duplicate
JSON keys), then ``convert`` into a schema of ``Schema`` Structs (types, ranges, unknown keys,
and the checks a Struct's ``__post_init__`` makes, raising ``Invalid``). Every failure is an
``InputFileError``: file, key path (``kinds.juminhyo.fee``), what is wrong. It never repeats a
value from the file, since a file may hold personal data; a schema that wants to show one (a
scenario's unknown card name, say) puts it in its own ``Invalid`` message.
"""
from __future__ import annotations

import errno
import json
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Annotated, Any, Callable, Mapping, TypeVar

import msgspec
import msgspec.inspect as mi

KIB = 1024
MIB = 1024 * KIB
DAY_SECONDS = 24 * 60 * 60
MAX_DEPTH = 16  # the deepest real file (demo residents) nests 5 levels
MAX_TEXT = 4096  # characters in any one text value unless a schema says otherwise

T = TypeVar("T")


class InputFileError(ValueError):
    """A file the kiosk was handed cannot be used: ``file: key: problem`` on one line."""

    def __init__(self, file: str | os.PathLike[str], key: str = "", problem: str = "") -> None:
        self.file, self.key, self.problem = str(file), key, problem
        super().__init__(": ".join(part for part in (self.file, key, problem) if part))


class Invalid(ValueError):
    """Raised in a Struct's ``__post_init__``: ``key`` is relative to that Struct ("" = itself)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key, self.problem = key, problem


class Schema(msgspec.Struct, forbid_unknown_fields=True):
    """Base of every file schema: unknown keys are errors. (``kw_only`` is not inherited: a
    schema with required fields after optional ones sets it itself.)"""


# --- constraints with a meaning: ``Annotated[str, pattern(...)]`` and the like ---------------------
# The meaning travels as the Meta's description, which msgspec.inspect hands back to ``_describe``.
def pattern(regex: str, meaning: str, max_length: int | None = MAX_TEXT) -> msgspec.Meta:
    """Text matching ``regex``; errors say ``expected <meaning>``."""
    return msgspec.Meta(pattern=regex, max_length=max_length, description=meaning)


def one_of(*values: str) -> msgspec.Meta:
    """Text that is one of ``values`` (errors list them)."""
    regex = "^(?:" + "|".join(re.escape(v) for v in values) + ")$"
    return pattern(regex, ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0], None)


def seconds(most: float = DAY_SECONDS) -> msgspec.Meta:
    """A finite number of seconds, 0 < s <= most."""
    return msgspec.Meta(gt=0, le=most)


def between(least: int, most: int, step: int | None = None) -> msgspec.Meta:
    return msgspec.Meta(ge=least, le=most, multiple_of=step)


Text = Annotated[str, pattern(r"\S", "non-empty text")]  # at least one character that is not white space


# --- reading ----------------------------------------------------------------------------------------
def read_text(path: Path | str, *, file: str, error: type[InputFileError] = InputFileError,
              max_bytes: int = MIB) -> str:
    """The file's text: a regular file (a FIFO or device would block or never end), at most
    ``max_bytes``, UTF-8 (a byte-order mark is allowed and dropped)."""
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(file, "", "file not found") from None
    except OSError as exc:
        raise error(file, "", f"cannot read: {describe_os_error(exc, with_file=False)}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(file, "", "is a directory, expected a file")
        if not stat.S_ISREG(info.st_mode):
            raise error(file, "", "not a regular file")
        if info.st_size > max_bytes:
            raise error(file, "", f"too large ({info.st_size} bytes, at most {max_bytes})")
        with os.fdopen(os.dup(fd), "rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise error(file, "", f"cannot read: {describe_os_error(exc, with_file=False)}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise error(file, "", f"too large (more than {max_bytes} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(file, "", f"not UTF-8 text (byte {exc.start} is not UTF-8; save the file as UTF-8)") from None


def parse_toml(text: str, *, file: str, error: type[InputFileError] = InputFileError) -> dict[str, Any]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(file, "", f"not valid TOML ({_one_line(exc)})") from None
    except RecursionError:
        raise error(file, "", f"nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise error(file, "", f"not valid TOML ({_one_line(exc)})") from None
    check_depth(document, file=file, error=error)
    return document


def parse_json(text: str, *, file: str, error: type[InputFileError] = InputFileError) -> Any:
    try:
        document = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise error(file, "", f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise error(file, "", f"nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # NaN, a duplicate key, an integer of more than 4300 digits
        raise error(file, "", f"not valid JSON ({_one_line(exc)})") from None
    check_depth(document, file=file, error=error)
    return document


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number here")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        keys = [key for key, _ in pairs]
        twice = next(key for i, key in enumerate(keys) if key in keys[:i])
        raise ValueError(f"key {twice!r} appears twice in one object")
    return document


def check_depth(document: Any, *, file: str, error: type[InputFileError] = InputFileError,
                limit: int = MAX_DEPTH) -> None:
    """Tables and arrays nested at most ``limit`` deep (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth >= limit:
            raise error(file, "", f"nested too deeply (more than {limit} levels)")
        stack.extend((child, depth + 1) for child in children)


def load_toml(path: Path | str, schema: type[T], *, file: str, error: type[InputFileError] = InputFileError,
              max_bytes: int = MIB, **explain: Any) -> T:
    document = parse_toml(read_text(path, file=file, error=error, max_bytes=max_bytes), file=file, error=error)
    return convert(document, schema, file=file, error=error, **explain)


def load_json(path: Path | str, schema: type[T], *, file: str, error: type[InputFileError] = InputFileError,
              max_bytes: int = MIB, **explain: Any) -> T:
    document = parse_json(read_text(path, file=file, error=error, max_bytes=max_bytes), file=file, error=error)
    return convert(document, schema, file=file, error=error, **explain)


# --- converting ----------------------------------------------------------------------------------------
Where = Callable[[list[str | int]], tuple[str, int] | None]


def convert(document: Any, schema: type[T], *, file: str, error: type[InputFileError] = InputFileError,
            where: Where | None = None, unknown: Mapping[str, str] | None = None, prefix: str = "") -> T:
    """``document`` as an instance of ``schema``, or ``error(file, key path, problem)``.

    ``where(segments)`` may name the record a path is in (e.g. ``resident R-0007`` for
    ``residents[6]``): it returns that label and how many leading segments it stands for.
    ``unknown`` words an unknown key per parent path, e.g. {"kinds": "unknown certificate kind"};
    ``[]`` in such a path stands for any index (``step[]``).
    ``prefix``: where ``document`` sits in its file, for a table checked on its own.
    """
    try:
        return msgspec.convert(document, schema, strict=True)
    except msgspec.ValidationError as exc:
        segments, problem = _explain(exc, schema, unknown or {})
        key = _key(segments, where)
        raise error(file, f"{prefix}.{key}" if prefix and key else prefix or key, problem) from None


def _key(segments: list[str | int], where: Where | None) -> str:
    label, used = (where(segments) if where else None) or ("", 0)
    rest = _path(segments[used:])
    return f"{label}: {rest}" if label and rest else label or rest


def _path(segments: list[str | int]) -> str:
    out = ""
    for s in segments:
        out += f"[{s}]" if isinstance(s, int) else ("[...]" if s == "[...]" else (f".{s}" if out else s))
    return out


_AT = re.compile(r"^(?P<message>.*?)(?: - at (?P<dict_key>`key` in )?`(?P<path>\$[^`]*)`)?$", re.S)
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")


def _explain(exc: msgspec.ValidationError, schema: type, unknown: Mapping[str, str]) -> tuple[list[str | int], str]:
    match = _AT.match(str(exc))
    assert match is not None  # the pattern matches any text
    message = match["message"]
    segments: list[str | int] = []
    for name, index in _SEGMENT.findall((match["path"] or "$")[1:]):
        segments.append(name if name else ("[...]" if index == "..." else int(index)))
    here = _type_at(mi.type_info(schema), segments)
    cause = exc.__cause__
    if isinstance(cause, Invalid):
        return segments + [part for part in cause.key.split(".") if part], cause.problem
    if isinstance(cause, (ValueError, TypeError)):
        return segments, _one_line(cause)
    if m := re.fullmatch(r"Object missing required field `(.+)`", message):
        return segments + [m[1]], "missing"
    if m := re.fullmatch(r"Object contains unknown field `(.+)`", message):
        return segments + [m[1]], unknown.get(re.sub(r"\[\d+\]", "[]", _path(segments)), "unknown key")
    if match["dict_key"]:
        key_type = next((t.key_type for t in _options(here) if isinstance(t, mi.DictType)), None)
        return segments, f"every key must be {_describe(key_type)}" if key_type else message
    if m := re.fullmatch(r"Expected `str` of length ([<>]=) (\d+)", message):
        return segments, f"too long (at most {m[2]} characters)" if m[1] == "<=" else f"at least {m[2]} characters"
    if m := re.fullmatch(r"Expected `(?:array|object)` of length ([<>]=) (\d+)", message):
        return segments, f"too many items (at most {m[2]})" if m[1] == "<=" else "must not be empty" if m[2] == "1" else f"needs at least {m[2]} items"
    if m := re.fullmatch(r"Expected `.+`, got `(.+)`", message):
        return segments, f"expected {_describe(here)}, got {_GOT.get(m[1], m[1])}" if here else message
    return segments, f"expected {_describe(here, message)}" if here else message


def _type_at(info: mi.Type | None, segments: list[str | int]) -> mi.Type | None:
    for segment in segments:
        info = _pick(info, segment)
        if info is None:
            return None
    return info


def _options(info: mi.Type | None) -> list[mi.Type]:
    """The types ``info`` may be: unions spread, metadata (descriptions) taken off."""
    if isinstance(info, mi.Metadata):
        return _options(info.type)
    if isinstance(info, mi.UnionType):
        return [t for member in info.types for t in _options(member)]
    return [] if info is None else [info]


def _pick(info: mi.Type | None, segment: str | int) -> mi.Type | None:
    for option in _options(info):
        if isinstance(option, (mi.StructType, mi.DataclassType)) and isinstance(segment, str):
            for f in option.fields:
                if f.encode_name == segment:
                    return f.type
        elif isinstance(option, mi.DictType) and segment == "[...]":
            return option.value_type
        elif isinstance(option, (mi.ListType, mi.VarTupleType, mi.FrozenSetType, mi.SetType)) \
                and isinstance(segment, int):
            return option.item_type
        elif isinstance(option, mi.TupleType) and isinstance(segment, int) and segment < len(option.item_types):
            return option.item_types[segment]
    return None


_GOT = {"str": "text", "int": "an integer", "float": "a number", "bool": "true/false", "object": "a table",
        "array": "an array", "null": "null", "datetime": "a date-time", "date": "a date", "time": "a time"}


def _describe(info: mi.Type | None, message: str = "") -> str:
    """What ``info`` accepts, in words; ``message`` (msgspec's) tells which bound was broken."""
    if isinstance(info, mi.Metadata):
        meaning = (info.extra_json_schema or {}).get("description")
        return str(meaning) if meaning else _describe(info.type, message)
    if isinstance(info, mi.UnionType):
        return " or ".join(_describe(t, message) for t in info.types if not isinstance(t, mi.NoneType))
    if isinstance(info, mi.BoolType):
        return "true or false"
    if isinstance(info, mi.IntType):
        return _number("an integer", info, True, message)
    if isinstance(info, mi.FloatType):
        return _number("a number", info, False, message)
    if isinstance(info, mi.StrType):
        if info.pattern is not None:
            return f"text matching {info.pattern}"
        if info.min_length:
            return "non-empty text"
        return "text"
    if isinstance(info, (mi.ListType, mi.VarTupleType, mi.SetType, mi.FrozenSetType)):
        words = "a non-empty array" if info.min_length else "an array"
        return words + (f" of at most {info.max_length} items" if info.max_length is not None else "")
    if isinstance(info, (mi.StructType, mi.DataclassType, mi.DictType)):
        return "a table"
    if isinstance(info, mi.LiteralType):
        return "one of " + ", ".join(str(v) for v in info.values)
    if isinstance(info, mi.EnumType):
        return "one of " + ", ".join(str(m.value) for m in info.cls)
    if isinstance(info, mi.DateTimeType):
        return "a date-time such as 2026-11-25T10:00:00+09:00"
    if isinstance(info, mi.DateType):
        return "a date YYYY-MM-DD"
    if isinstance(info, mi.TimeType):
        return "a time"
    return "a valid value"


_SANITY = 10**12  # an upper bound this high only keeps numbers storable: named only when broken


def _number(noun: str, info: mi.IntType | mi.FloatType, whole: bool, message: str) -> str:
    least, most, above, below = info.ge, info.le, info.gt, info.lt
    if most is not None and most >= _SANITY and "<" not in message:
        most = None
    if whole:  # for integers, > n is >= n + 1: "1..20" reads better
        least = above + 1 if above is not None else least
        most = below - 1 if below is not None else most
        above = below = None
    if whole and least is not None and most is not None:
        words = f"{noun} {least}..{most}"
    elif whole and least == 0 and most is None:
        words = "a whole number >= 0"
    else:
        bounds = [f"{sign} {_num(v)}" for sign, v in ((">", above), (">=", least), ("<", below), ("<=", most))
                  if v is not None]
        words = noun + (" " + " and ".join(bounds) if bounds else "")
    if info.multiple_of:
        words += f" in steps of {_num(info.multiple_of)}"
    return words


def _num(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- the operating system's answers ---------------------------------------------------------------
_OS_PROBLEMS = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a file stands where a directory is expected",
    errno.EISDIR: "a directory stands where a file is expected",
    errno.EEXIST: "exists, but not as the directory expected",
    errno.ENOENT: "no such file or directory",
    errno.ENAMETOOLONG: "name too long",
    errno.ELOOP: "too many symbolic links",
    errno.EIO: "input/output error",
}


def describe_os_error(exc: OSError, with_file: bool = True) -> str:
    """``<file>: <what the system said>``, worded for a person, one line."""
    what = _OS_PROBLEMS.get(exc.errno or 0) or (exc.strerror or _one_line(exc))
    where = [str(name) for name in (exc.filename, exc.filename2) if name is not None and with_file]
    return " ".join(f"{' -> '.join(where)}: {what}".split()) if where else what
