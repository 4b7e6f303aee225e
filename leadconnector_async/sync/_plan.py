"""What one row needs: nothing, an update of the changed fields, tags, an upsert, a create, or a
failure.

Pure: it reads the :class:`ContactIndex` and returns a :class:`RowPlan`; nothing is sent here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec
from msgspec import UNSET

from .._phones import PhoneNumberError, e164
from ..errors import ConfigurationError, LeadConnectorError
from ..models.contacts import Contact, ContactCreate, ContactUpdate
from ..models.tags import TagsMode
from ._index import AMBIGUOUS, TAGS, ContactIndex, tag_hash
from ._normalise import canonical, row_entries, tag

__all__ = ["MatchKey", "Planner", "RowPlan"]

Kind = Literal["unchanged", "update", "upsert", "create", "direct", "tags", "failed"]

# Fields the update endpoint refuses (reference §8): changing them takes an upsert.
_UPSERT_ONLY = frozenset({"company_name", "gender"})


@dataclass(frozen=True, slots=True)
class MatchKey:
    """How rows find their contact: ``email``, ``phone`` or a custom field's id."""

    name: str
    custom_field_id: str | None = None

    def of_row(self, row: ContactCreate) -> str | None:
        if self.custom_field_id is None:
            return canonical(getattr(row, self.name), self.name)
        for custom in row.custom_fields or ():
            if custom.id == self.custom_field_id:
                return canonical(custom.field_value)
        return None

    def as_stored(self, contact: Contact) -> str | None:
        """The contact's email as it stores it (trimmed), capitals and all; ``None`` when rows
        match on something else (a phone compares and is sent in E.164)."""
        value = contact.email if self.name == "email" else None
        return value.strip() if isinstance(value, str) else None

    def of_contact(self, contact: Contact) -> str | None:
        if self.custom_field_id is None:
            return canonical(getattr(contact, self.name), self.name)
        for custom in contact.custom_fields or ():
            if custom.id == self.custom_field_id:
                return canonical(custom.value)
        return None

    def of_record(self, record: object) -> str | None:
        """The key a record the server sent but the client could not read (its raw JSON, see
        :attr:`Page.undecoded`) shows, if it shows one."""
        if not isinstance(record, dict):
            return None
        value: object = None
        path = ""  # compared as :meth:`of_contact` compares it
        if self.custom_field_id is None:
            value, path = record.get(self.name), self.name
        else:
            for custom in record.get("customFields") or ():
                if isinstance(custom, dict) and custom.get("id") == self.custom_field_id:
                    value = custom.get("value")
        return canonical(value, path) if isinstance(value, str | int | float) else None


@dataclass(frozen=True, slots=True)
class RowPlan:
    """What to do for one row.

    Attributes:
        kind: ``unchanged``; ``update`` (PUT the changed fields); ``upsert`` (a matched contact
            whose change the update endpoint refuses); ``create`` (no contact has the row's key:
            ``POST /contacts/``, never an upsert, which could match another contact by another
            field); ``direct`` (the direct plan, nothing compared: upsert); ``tags`` (only tags
            to add); ``failed`` (``error`` says why, nothing is sent).
        body: The update, upsert or create body.
        contact_id: The matched contact.
        add_tags: Tags to add through the bulk tags endpoint.
        first: For an ``upsert``, the update of the other changed fields, sent before it.
    """

    kind: Kind
    body: ContactUpdate | ContactCreate | None = None
    contact_id: str | None = None
    add_tags: frozenset[str] = field(default_factory=frozenset)
    error: LeadConnectorError | None = None
    first: ContactUpdate | None = None

    @property
    def writes(self) -> int:
        """Requests its update, upsert or create takes (its tags are counted apart)."""
        if self.kind == "upsert" and self.first is not None:
            return 2
        return 1 if self.kind in ("update", "create", "upsert", "direct") else 0


class Planner:
    """Plans rows against a location's index.

    Args:
        index: The location's contacts (``None``: the direct plan, every row is upserted).
        match: How rows find their contact.
        tags: ``add`` (never remove a tag) or ``replace`` (make the tags equal to the row's).
        location_id: The location new contacts go to.
        default_region: ISO country (``US``) rows' phones without a country code are read in;
            ``None``: such a phone is compared (and sent) as written, and cannot be matched on.
    """

    def __init__(
        self,
        index: ContactIndex | None,
        match: MatchKey,
        tags: TagsMode,
        location_id: str,
        default_region: str | None = None,
    ) -> None:
        self._index = index
        self._match = match
        self._tags = tags
        self._location = location_id
        self._region = default_region
        self._seen = bytearray((len(index) + 7) // 8) if index is not None else bytearray()
        self._new_keys: set[int] = set()

    def plan(self, row: ContactCreate) -> RowPlan:
        """The plan for one row (its custom fields already identified by id)."""
        phone = row.phone
        if isinstance(phone, str) and phone.strip():
            try:
                row = msgspec.structs.replace(row, phone=e164(phone, self._region))
            except PhoneNumberError as error:
                if self._match.name == "phone":
                    return _failed(f"its phone cannot be matched: {error}")
        key = self._match.of_row(row)
        if key is None:
            return _failed(f"the row has no {self._describe()} to match on")
        if self._index is None:
            return self._repeated(key) or self._new(row, "direct")
        position = self._index.find(key)
        if position == AMBIGUOUS:
            count = self._index.count(key)
            return _failed(f"{count} contacts of the location have this {self._describe()}")
        if position is None:
            if self._index.unreadable(key):
                return _failed(
                    f"the location has a contact with this {self._describe()} that could not be "
                    "read (see the warnings): not created, so that it is not doubled"
                )
            return self._repeated(key) or self._new(row, "create")
        byte, bit = divmod(position, 8)
        if self._seen[byte] & (1 << bit):
            return _failed(f"an earlier row matched the same contact by {self._describe()}")
        self._seen[byte] |= 1 << bit
        return self._compare(row, position)

    def _repeated(self, key: str) -> RowPlan | None:
        """The failure of a row whose key an earlier row no contact has (or, in the direct
        plan, any earlier row) already had: the second write would overwrite the first."""
        if hash(key) in self._new_keys:
            return _failed(f"an earlier row has the same {self._describe()}")
        self._new_keys.add(hash(key))
        return None

    def _compare(self, row: ContactCreate, position: int) -> RowPlan:
        assert self._index is not None
        index = self._index
        changes: dict[str, object] = {}
        custom = []
        for path, _ in index.changed(position, row_entries(row)):
            if path.startswith("cf:"):
                custom += [c for c in row.custom_fields or () if f"cf:{c.id}" == path]
            else:
                name = path.partition(".")[0]
                changes[name] = getattr(row, name)
        if custom:
            changes["custom_fields"] = custom
        add_tags: frozenset[str] = frozenset()
        if isinstance(row.tags, list):
            wanted = frozenset(tag(t) for t in row.tags if tag(t))
            have = index.tags(position) if index.knows(TAGS) else None
            if self._tags == "add":
                add_tags = frozenset(t for t in wanted if have is None or tag_hash(t) not in have)
            elif have is None or {tag_hash(t) for t in wanted} != have:
                changes["tags"] = sorted(wanted)
        contact_id = index.contact_id(position)
        if changes.keys() & _UPSERT_ONLY:
            stored_key = index.spelling(position)
            return self._upsert_existing(row, changes, contact_id, add_tags, stored_key)
        if changes:
            return RowPlan("update", ContactUpdate(**changes), contact_id, add_tags)  # type: ignore[arg-type]
        return RowPlan("tags", None, contact_id, add_tags) if add_tags else RowPlan("unchanged")

    def _upsert_existing(
        self,
        row: ContactCreate,
        changes: dict[str, object],
        contact_id: str,
        add_tags: frozenset[str],
        stored_key: str | None,
    ) -> RowPlan:
        """Upsert the fields only it can change, with the match key alone to find the contact,
        spelled as the contact stores it (``stored_key``, when that differs from the normalised
        key): the comparison found it unchanged, so the upsert must not rewrite its case.

        An upsert matches by email or phone in the order the location's settings give, and a
        changed email or phone in its body could find another contact (reference §10): the
        other changes go first, by id, as an update.
        """
        if self._match.custom_field_id is not None:
            return _failed(
                f"{' and '.join(sorted(changes.keys() & _UPSERT_ONLY))} can only be changed by "
                f"upsert, which finds contacts by email or phone, not by {self._describe()}"
            )
        only = {name: changes.pop(name) for name in _UPSERT_ONLY & changes.keys()}
        identity: dict[str, Any] = {self._match.name: stored_key or getattr(row, self._match.name)}
        body = ContactCreate(**{**only, **identity}, location_id=self._location)
        first = ContactUpdate(**changes) if changes else None  # type: ignore[arg-type]
        return RowPlan("upsert", body, contact_id, add_tags, first=first)

    def _new(self, row: ContactCreate, kind: Literal["create", "direct"]) -> RowPlan:
        """A row no contact has the key of (``create``), or one the direct plan upserts unread
        (``direct``): its whole row, sent to the location."""
        body = msgspec.structs.replace(row, location_id=self._location)
        wanted: frozenset[str] = frozenset()
        if kind == "direct" and self._tags == "add" and isinstance(row.tags, list):
            # Upsert replaces the tags of a contact it matches: add them after it instead. (A
            # create's go in its body, one request: it replaces nobody's.)
            wanted = frozenset(tag(t) for t in row.tags if tag(t))
            body = msgspec.structs.replace(body, tags=UNSET)
        return RowPlan(kind, body, None, wanted)

    def _describe(self) -> str:
        if self._match.custom_field_id is None:
            return self._match.name
        return f"custom field {self._match.custom_field_id}"


def _failed(reason: str) -> RowPlan:
    return RowPlan("failed", error=ConfigurationError(f"{reason}; nothing was written for it"))
