"""A location's contacts as a sync needs them: by match key, as hashes, not as whole contacts.

Per contact it keeps the id, a 64-bit hash of the match key, one 64-bit hash per compared value
(``hash((path, value))``: a row's value is unchanged when its hash is among the contact's), one
per tag, a bit per plain field that holds a value, and for a custom field or do-not-disturb
setting that holds one a second hash that says so (``hash((path, ""))``: no value is empty), so
a row clearing one that is already empty writes nothing. The few contacts whose email has
capitals keep its spelling too (an upsert must not rewrite it). The rest lives in flat arrays,
about 100 bytes a contact for a handful of compared fields, so 500,000 contacts take tens of MB
where the decoded contacts would take gigabytes. The hashes are Python's own (SipHash, keyed per
process): the index lives only as long as the job that built it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable

from ..models.contacts import Contact
from ._normalise import COMPARABLE, Entry, contact_entries, tag

__all__ = ["AMBIGUOUS", "TAGS", "ContactIndex", "entry_hash", "key_hash", "tag_hash"]

AMBIGUOUS = -1
"""What :meth:`ContactIndex.find` returns when several contacts have the key."""

TAGS = "tags"
"""The path that stands for a contact's tags in :attr:`ContactIndex.paths`."""

_BIT = {name: 1 << n for n, name in enumerate(COMPARABLE)}
_HOLDS_A_VALUE = ""  # (a canonical value is never empty: see ``canonical``)


def entry_hash(path: str, value: str) -> int:
    """The hash a compared value is kept as."""
    return hash((path, value))


def key_hash(key: str) -> int:
    """The hash a match key is kept as."""
    return hash(("key", key))


def tag_hash(text: str) -> int:
    """The hash a tag is kept as."""
    return hash(("tag", tag(text)))


class ContactIndex:
    """Contacts by match key, holding only what a comparison needs.

    Args:
        paths: The compared paths to keep (``None``: all of them). A row value on a path not
            kept cannot be compared, and a sync writes it.
    """

    def __init__(self, paths: frozenset[str] | None = None) -> None:
        self.paths = paths
        self.unkeyed = 0  # contacts without a match key: no row can match them
        self._keys = array("q")
        self._ids = bytearray()
        self._id_ends = array("I")
        self._values = array("q")
        self._value_ends = array("I")
        self._tags = array("q")
        self._tag_ends = array("I")
        self._present = array("I")
        self._order = array("I")
        self._sorted_keys = array("q")
        # The match key as the contact spells it, where that differs from its normalised form
        # (an email with capitals): few contacts, so a dict.
        self._spellings: dict[int, str] = {}
        # Keys of records the location holds but the read could not decode (no id): a row with
        # one of them has a contact, which it can neither be compared with nor created beside.
        self._unreadable: set[int] = set()

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, contact: Contact, key: str | None, spelled: str | None = None) -> None:
        """Keep one contact under its normalised match key (``None``: it has none);
        ``spelled``: the key as the contact stores it."""
        if key is None:
            self.unkeyed += 1
            return
        if spelled is not None and spelled != key:
            self._spellings[len(self._keys)] = spelled
        self._keys.append(key_hash(key))
        self._ids += contact.id.encode()
        self._id_ends.append(len(self._ids))
        present = 0
        for path, value in contact_entries(contact, self.paths):
            bit = _BIT.get(path, 0)
            present |= bit
            if value is not None and (self.paths is None or path in self.paths):
                self._values.append(entry_hash(path, value))
                if not bit:
                    self._values.append(entry_hash(path, _HOLDS_A_VALUE))
        self._value_ends.append(len(self._values))
        self._present.append(present)
        if self.knows(TAGS):
            self._tags.extend({tag_hash(t) for t in contact.tags or () if tag(t)})
        self._tag_ends.append(len(self._tags))

    def add_unreadable(self, key: str | None) -> None:
        """Note the key of a record the location holds that could not be read."""
        if key is not None:
            self._unreadable.add(key_hash(key))

    def unreadable(self, key: str) -> bool:
        """Whether a record that could not be read has this key."""
        return bool(self._unreadable) and key_hash(key) in self._unreadable

    def freeze(self) -> None:
        """Sort the keys for lookup; call once every contact was added."""
        order = sorted(range(len(self._keys)), key=self._keys.__getitem__)
        self._order = array("I", order)
        self._sorted_keys = array("q", (self._keys[i] for i in order))

    def find(self, key: str) -> int | None:
        """The position of the one contact with this key, ``None``, or :data:`AMBIGUOUS`."""
        wanted = key_hash(key)
        at = bisect_left(self._sorted_keys, wanted)
        if at == len(self._sorted_keys) or self._sorted_keys[at] != wanted:
            return None
        if at + 1 < len(self._sorted_keys) and self._sorted_keys[at + 1] == wanted:
            return AMBIGUOUS
        return self._order[at]

    def count(self, key: str) -> int:
        """How many contacts have this key."""
        wanted = key_hash(key)
        at = bisect_left(self._sorted_keys, wanted)
        end = at
        while end < len(self._sorted_keys) and self._sorted_keys[end] == wanted:
            end += 1
        return end - at

    def spelling(self, position: int) -> str | None:
        """The contact's match key as it stores it, when that differs from the normalised key."""
        return self._spellings.get(position)

    def contact_id(self, position: int) -> str:
        return self._ids[self._start(self._id_ends, position) : self._id_ends[position]].decode()

    def knows(self, path: str) -> bool:
        """Whether values on ``path`` were kept (so a row's value there can be compared)."""
        return self.paths is None or path in self.paths

    def changed(self, position: int, entries: Iterable[Entry]) -> list[Entry]:
        """The entries whose value differs from the contact's (or cannot be compared)."""
        start = self._start(self._value_ends, position)
        kept = set(self._values[start : self._value_ends[position]])
        present = self._present[position]
        changed = []
        for path, value in entries:
            if not self.knows(path):
                changed.append((path, value))
            elif value is None:
                # Clearing: unchanged only for a field we know to be empty.
                bit = _BIT.get(path)
                holds = bool(present & bit) if bit else entry_hash(path, _HOLDS_A_VALUE) in kept
                if holds:
                    changed.append((path, value))
            elif entry_hash(path, value) not in kept:
                changed.append((path, value))
        return changed

    def tags(self, position: int) -> set[int]:
        """The hashes of the contact's tags."""
        return set(self._tags[self._start(self._tag_ends, position) : self._tag_ends[position]])

    def nbytes(self) -> int:
        """Bytes held by the index's arrays."""
        arrays = (
            self._keys,
            self._id_ends,
            self._values,
            self._value_ends,
            self._tags,
            self._tag_ends,
            self._present,
            self._order,
            self._sorted_keys,
        )
        return len(self._ids) + sum(a.itemsize * len(a) for a in arrays)

    @staticmethod
    def _start(ends: array[int], position: int) -> int:
        return ends[position - 1] if position else 0
