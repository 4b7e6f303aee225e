"""Lenient decoding: a response that does not fit its struct still comes through, record by record.

The fast path (msgspec straight from bytes into the struct, one :func:`decoder_for` each type)
is the caller's; :func:`salvage` runs only when it raised ``ValidationError`` (or
``DecodeError``: see step 6):

1. The envelope is decoded again with its records left as raw JSON (a twin of the envelope
   whose record fields are ``msgspec.Raw``), and each record is decoded on the fast path on its
   own: only the records that do not fit take the slow path below. So an odd field costs that
   record's fallback, not the page's.
2. The slow path decodes to plain JSON values and converts with ``strict=False`` (numbers and
   booleans sent as strings are read as such). Where that still fails, the value is repaired
   from the top down: a struct field by field, a list item by item. Known variants are
   normalised on the way: epoch milliseconds where a time string is declared become ISO 8601
   (``1990-01-01T00:00:00.000Z``; a date of birth its UTC date, ``1990-01-01``, as ``get``
   gives it), other numbers where a string is declared become that string.
3. A field that still does not fit keeps its default, and its raw value goes into the record's
   ``undecoded`` mapping (by wire name), so nothing is silently lost. Each (struct, field,
   reason) is logged once.
4. A list item that cannot become a record at all (not an object, or without a required field)
   is left out with a warning (and kept in the enclosing ``undecoded``), so one broken record
   never costs the page.
5. The records are what the body is for: the caller unwraps them from the envelope and never
   sees the envelope's ``undecoded``. So where the envelope's record field holds something that
   is not a record (or a list of them), ``null`` included unless its type allows ``None``, the
   body cannot be used: ``ValidationError``, as for an envelope without its required record.
   (An absent field keeps its default: ``{"total": 0}`` is an empty page.) Inside a record, such
   a field is an odd field like any other (step 3).
6. Text that is not valid Unicode (a lone UTF-16 surrogate escape such as ``"\\ud83d"``, which
   Node writes for an emoji cut in half, or a byte that is not UTF-8) is read with U+FFFD in
   place of each bad character (:mod:`._text_repair`), logged once: what was there is no text,
   so nothing readable is lost. A body that is not JSON for another reason still raises
   ``DecodeError``.
7. The slow path's work is bounded per body: a value that takes it costs far more than the fast
   path, so a body in which more values do not fit than ``_SLOW_PER_BODY``, and
   ``_SLOW_PER_RECORD`` for each record it holds, allow (far more than real records have), or
   more than ``_MOST_SLOW`` whatever it holds (a few MB of tiny unfit records would hold
   millions), raises :class:`UnfitBodyError` rather than holding the event loop for many
   seconds. Records that each stay within their share decode whatever the page size. A list
   item that is not an object is left out without trying the slow path at all.

Nothing here does I/O.
"""

from __future__ import annotations

import logging
import re
import types
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple, TypeVar, Union, get_args, get_origin

import msgspec

from ._text_repair import NOT_DECODED, valid_text

__all__ = [
    "UnfitBodyError",
    "convert_leniently",
    "decoder_for",
    "lenient_decoder",
    "log_once",
    "reason_of",
    "repaired_text",
    "salvage",
]

logger = logging.getLogger("leadconnector_async")

E = TypeVar("E")

_DECODERS: dict[Any, msgspec.json.Decoder[Any]] = {}
_TIME_NAME = re.compile(r"date|_at$|activity", re.IGNORECASE)
# Calendar dates, not instants: ``get`` gives them as ``YYYY-MM-DD``, and so must search, or a
# copy written back would change how the contact stores them.
_DATE_NAMES = frozenset({"date_of_birth"})
_UNFIT = object()
_NULL = msgspec.Raw(b"null")
_OPEN_BRACE = ord("{")
_WARNED: set[tuple[str, str]] = set()
_MOST_WARNINGS = 1_000  # a hostile server cannot grow the set of remembered warnings forever
# Values of one body that may take the slow path: these for the body, and these for each of
# its records (a contact with an odd value in every field it has spends about 30), up to the
# most for any body: a full page of the API's (500 contacts) gets its share, and a body of
# millions of tiny records is still stopped in under a few seconds.
_SLOW_PER_BODY = 10_000
_SLOW_PER_RECORD = 50
_MOST_SLOW = _SLOW_PER_BODY + 500 * _SLOW_PER_RECORD


class UnfitBodyError(msgspec.ValidationError):
    """More values of the body did not fit their types than its budget allows (step 7 of the
    module docstring): the same body fails the same way every time."""


class _OverspentError(Exception):
    """More values of one body did not fit than its budget allows (not a ``ValidationError``,
    so that no step that leaves one value out catches it)."""


class _Budget:
    """What is left of one body's allowance of values that take the slow path."""

    __slots__ = ("granted", "left")

    def __init__(self) -> None:
        self.granted = self.left = _SLOW_PER_BODY

    def allow(self, records: int) -> None:
        """Add the share of ``records`` more records (up to ``_MOST_SLOW`` in all)."""
        more = min(records * _SLOW_PER_RECORD, _MOST_SLOW - self.granted)
        self.granted += more
        self.left += more

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _OverspentError(
                f"more than {self.granted:,} values of the body do not fit their types "
                "(far more than its records hold): not read further"
            )


class _Site(NamedTuple):
    """Where a value sits: its field (Python and wire name), for messages, and the enclosing
    record's ``undecoded`` mapping, which receives what is left out."""

    name: str
    key: str
    where: str
    lost: dict[str, Any]
    budget: _Budget


def decoder_for(type_: type[E]) -> msgspec.json.Decoder[E]:
    """Return the one Decoder for ``type_``, building it on first use."""
    decoder = _DECODERS.get(type_)
    if decoder is None:
        decoder = _DECODERS[type_] = msgspec.json.Decoder(type_)
    return decoder


def salvage(body: bytes | msgspec.Raw, type_: Any) -> Any:
    """Decode ``body`` into ``type_`` as far as it fits (see the module docstring).

    Raises:
        msgspec.DecodeError: The body is not JSON (text that is not valid Unicode is repaired,
            see the module docstring).
        msgspec.ValidationError: The top level itself cannot be read as ``type_`` (for example
            an envelope without its required record, or with ``null`` where its records
            belong); :class:`UnfitBodyError` when more values of the body do not fit than its
            budget allows.
    """
    budget = _Budget()
    try:
        try:
            return _salvage(body, type_, budget, envelope=True)
        except NOT_DECODED:
            text = repaired_text(body, _name(type_))
            if text is None:
                raise
        try:
            return decoder_for(type_).decode(text)
        except msgspec.ValidationError:
            return _salvage(text, type_, budget, envelope=True)
    except _OverspentError as exc:
        raise UnfitBodyError(str(exc)) from None


def repaired_text(body: bytes | msgspec.Raw, where: str) -> bytes | None:
    """``body`` with the text that is not valid Unicode repaired (step 6 of the module
    docstring; logged once for ``where``), or ``None`` when it has none."""
    text = valid_text(body)
    if text is not None:
        _warn_once(where, "text that is not valid Unicode", "read with U+FFFD in its place")
    return text


def _salvage(
    body: bytes | msgspec.Raw, type_: Any, budget: _Budget, *, envelope: bool = False
) -> Any:
    twin = _raw_twin(type_)
    if twin is None:
        return _convert(msgspec.json.decode(body), type_, _Site("", "", _name(type_), {}, budget))
    try:
        shell = decoder_for(twin).decode(body)
    except msgspec.ValidationError:
        pass  # the envelope's own fields do not fit either: the slow path for all of it
    else:
        return _from_shell(shell, type_, budget, envelope)
    data = msgspec.json.decode(body)
    if not isinstance(data, dict):  # raises: a struct is an object
        return _convert(data, type_, _Site("", "", _name(type_), {}, budget))
    return _record(data, type_, budget, envelope)


def lenient_decoder(type_: type[E]) -> Callable[[bytes], E]:
    """bytes -> ``type_``: msgspec's strict decoder, then :func:`salvage` when a field does not
    fit or the text is not valid Unicode (one odd field never costs the rest). Raises as
    :func:`salvage` does."""
    decode = decoder_for(type_).decode

    def decode_leniently(body: bytes) -> E:
        try:
            return decode(body)
        except NOT_DECODED:
            salvaged: E = salvage(body, type_)
            return salvaged

    return decode_leniently


def convert_leniently(value: Any, type_: Any) -> Any:
    """:func:`salvage` for a value already decoded to plain JSON values."""
    try:
        return _convert(value, type_, _Site("", "", _name(type_), {}, _Budget()))
    except _OverspentError as exc:
        raise UnfitBodyError(str(exc)) from None


def _from_shell(
    shell: msgspec.Struct, struct: type[msgspec.Struct], budget: _Budget, envelope: bool
) -> msgspec.Struct:
    """The struct from its twin: each raw record decoded alone, fast path first."""
    values: dict[str, Any] = {}
    undecoded: dict[str, Any] = {}
    for info in _fields(struct):
        value = getattr(shell, info.name)
        record = _record_type(info.type)
        if record is None or not isinstance(value, msgspec.Raw):
            values[info.name] = value  # not a record field, or absent: its default
            continue
        where = f"{struct.__name__}.{info.encode_name}"
        site = _Site(info.name, info.encode_name, where, undecoded, budget)
        try:
            values[info.name] = _records(value, info.type, record, site, envelope)
        except msgspec.ValidationError as exc:
            _unfit(info, msgspec.json.decode(value), exc, site, envelope)
    return _built(struct, values, undecoded)


def _records(raw: msgspec.Raw, type_: Any, record: Any, site: _Site, envelope: bool) -> Any:
    """A record field's raw value: a record, a list of them, or ``null`` where allowed. The
    envelope's records each add their share to the body's budget."""
    if raw == _NULL and type(None) in _options(type_):
        return None
    if _list_item_in(type_) is None:
        site.budget.allow(int(envelope))
        try:
            return decoder_for(record).decode(raw)
        except msgspec.ValidationError:
            site.budget.spend()
            return _salvage(raw, record, site.budget)
    items = decoder_for(list[msgspec.Raw]).decode(raw)
    site.budget.allow(len(items) if envelope else 0)
    read = (_one(item, record, site) for item in items)
    return [r for r in read if r is not None]


def _one(raw: msgspec.Raw, record: Any, site: _Site) -> Any:
    """One raw list item: fast path, else the slow path, else left out and kept."""
    try:
        return decoder_for(record).decode(raw)
    except msgspec.ValidationError as exc:
        failure = exc
    site.budget.spend()
    if memoryview(raw)[0] == _OPEN_BRACE:  # only an object can become a record
        try:
            return _salvage(raw, record, site.budget)
        except msgspec.ValidationError as exc:
            failure = exc
    site.lost.setdefault(site.key, []).append(msgspec.json.decode(raw))
    _warn_once(f"{site.where}[]", reason_of(failure), "left out of the list, kept in .undecoded")
    return None


def _unfit(
    info: msgspec.structs.FieldInfo,
    raw: Any,
    exc: msgspec.ValidationError,
    site: _Site,
    envelope: bool,
) -> None:
    """A field that does not fit: kept in ``undecoded`` (the field keeps its default), but an
    envelope's record field makes the body unusable (step 5 of the module docstring)."""
    reason = reason_of(exc)
    if envelope and _record_type(info.type) is not None:
        raise msgspec.ValidationError(
            f"{reason} - at `$.{info.encode_name}` (where a record belongs)"
        ) from None
    site.lost[info.encode_name] = raw
    _warn_once(site.where, reason, "kept in .undecoded")


def _built(
    struct: type[msgspec.Struct], values: dict[str, Any], undecoded: dict[str, Any]
) -> msgspec.Struct:
    try:
        record = struct(**values)
    except TypeError as exc:  # a required field is missing or did not fit
        raise msgspec.ValidationError(f"{struct.__name__} cannot be read: {exc}") from None
    if undecoded and "undecoded" in struct.__struct_fields__:
        record.undecoded = undecoded  # type: ignore[attr-defined]
    return record


def _convert(value: Any, type_: Any, site: _Site) -> Any:
    try:
        return msgspec.convert(value, type_, strict=False)
    except msgspec.ValidationError as exc:
        failure = exc
    site.budget.spend()
    repaired = _repair(value, type_, site)
    if repaired is _UNFIT:
        raise failure
    return repaired


def _repair(value: Any, type_: Any, site: _Site) -> Any:
    struct = _struct_in(type_)
    if struct is not None and isinstance(value, dict):
        return _record(value, struct, site.budget)
    item = _list_item_in(type_)
    if item is not None and isinstance(value, list):
        return _items(value, item, site)
    normalised = _normalised(value, type_, site)
    if normalised is _UNFIT:
        return _UNFIT
    try:
        return msgspec.convert(normalised, type_, strict=False)
    except msgspec.ValidationError:
        return _UNFIT


def _record(
    data: dict[str, Any], struct: type[msgspec.Struct], budget: _Budget, envelope: bool = False
) -> msgspec.Struct:
    """One record, field by field; what does not fit goes to its ``undecoded`` mapping."""
    values: dict[str, Any] = {}
    undecoded: dict[str, Any] = {}
    for info in _fields(struct):
        if info.encode_name not in data or info.name == "undecoded":
            continue
        raw = data[info.encode_name]
        if envelope and _record_type(info.type) is not None:
            budget.allow(len(raw) if isinstance(raw, list) else 1)
        where = f"{struct.__name__}.{info.encode_name}"
        site = _Site(info.name, info.encode_name, where, undecoded, budget)
        try:
            values[info.name] = _convert(raw, info.type, site)
        except msgspec.ValidationError as exc:
            _unfit(info, raw, exc, site, envelope)
    return _built(struct, values, undecoded)


def _items(values: list[Any], item: Any, site: _Site) -> list[Any]:
    """Every item that can be read; the others go to the record's ``undecoded[key]``."""
    kept = []
    for value in values:
        try:
            kept.append(_convert(value, item, site))
        except msgspec.ValidationError as exc:
            site.lost.setdefault(site.key, []).append(value)
            _warn_once(
                f"{site.where}[]", reason_of(exc), "left out of the list, kept in .undecoded"
            )
    return kept


def _normalised(value: Any, type_: Any, site: _Site) -> Any:
    """A known variant turned into what ``type_`` expects, or ``_UNFIT``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        options = _options(type_)
        if str in options and not options & {int, float}:
            if _TIME_NAME.search(site.name):
                iso = _epoch_ms_to_iso(value, date_only=site.name in _DATE_NAMES)
                if iso is not None:
                    _warn_once(site.where, "epoch milliseconds", "read as ISO 8601", logging.INFO)
                    return iso
            return str(value)
    return _UNFIT


def _epoch_ms_to_iso(value: float, *, date_only: bool) -> str | None:
    """``value`` (epoch ms) as an ISO 8601 UTC instant, or its UTC date when ``date_only``."""
    try:
        when = datetime.fromtimestamp(value / 1000.0, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if date_only:
        return when.strftime("%Y-%m-%d")
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _warn_once(where: str, reason: str, outcome: str, level: int = logging.WARNING) -> None:
    log_once(
        (where, reason),
        level,
        "%s: %s from the server; %s (the rest of the record and page are kept; logged once)",
        where,
        reason,
        outcome,
    )


def log_once(key: tuple[str, str], level: int, message: str, *args: object) -> None:
    """Log ``message`` the first time ``key`` (where, why) is seen, among at most
    ``_MOST_WARNINGS`` keys."""
    if key in _WARNED or len(_WARNED) >= _MOST_WARNINGS:
        return
    _WARNED.add(key)
    logger.log(level, message, *args)


def reason_of(exc: msgspec.ValidationError) -> str:
    """msgspec's message without the path it names (the same reason at any position)."""
    return str(exc).split(" - at `", 1)[0]


@cache
def _fields(struct: type[msgspec.Struct]) -> tuple[msgspec.structs.FieldInfo, ...]:
    return msgspec.structs.fields(struct)


@cache
def _raw_twin(type_: Any) -> Any:
    """``type_`` with its record fields (a struct, or a list of structs) as raw JSON, or
    ``None`` when it has none (or is not a struct)."""
    if not (isinstance(type_, type) and issubclass(type_, msgspec.Struct)):
        return None
    fields = []
    for info in _fields(type_):
        record = _record_type(info.type)
        kind: Any = info.type
        if record is not None:
            kind = msgspec.Raw  # any JSON value, null included (``msgspec.Raw | None`` is not)
        fields.append((info.name, kind, _field_default(info)))
    if all(_record_type(info.type) is None for info in _fields(type_)):
        return None
    return msgspec.defstruct(f"{type_.__name__}RawRecords", fields, kw_only=True)


@cache
def _record_type(type_: Any) -> Any:
    """The struct a field holds (alone or in a list), or ``None``."""
    item = _list_item_in(type_)
    return _struct_in(item if item is not None else type_)


def _field_default(info: msgspec.structs.FieldInfo) -> Any:
    if info.default is not msgspec.NODEFAULT:
        return msgspec.field(default=info.default, name=info.encode_name)
    if info.default_factory is not msgspec.NODEFAULT:
        return msgspec.field(default_factory=info.default_factory, name=info.encode_name)
    return msgspec.field(name=info.encode_name)


@cache
def _union_args(type_: Any) -> tuple[Any, ...]:
    if get_origin(type_) in (Union, types.UnionType):
        return get_args(type_)
    return (type_,)


@cache
def _options(type_: Any) -> frozenset[Any]:
    return frozenset(_union_args(type_))


@cache
def _struct_in(type_: Any) -> type[msgspec.Struct] | None:
    structs = [
        t for t in _union_args(type_) if isinstance(t, type) and issubclass(t, msgspec.Struct)
    ]
    return structs[0] if len(structs) == 1 else None


@cache
def _list_item_in(type_: Any) -> Any:
    for option in _union_args(type_):
        if get_origin(option) is list:
            return get_args(option)[0] if get_args(option) else Any
    return None


def _name(type_: Any) -> str:
    return getattr(type_, "__name__", str(type_))
