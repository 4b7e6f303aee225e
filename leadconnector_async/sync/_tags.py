"""Tag additions of a sync, grouped into bulk-tag requests (many contacts each). Pure.

``POST /contacts/bulk/tags/update/add`` adds the same tags to every contact it names. Rows are
grouped either by their whole set of missing tags or tag by tag, whichever needs fewer requests;
the cost is kept up to date as rows are planned, so a budget check can ask what one more costs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["TagBatch", "TagPlan"]


@dataclass(frozen=True, slots=True)
class TagBatch:
    """One bulk-tag request: add ``tags`` to each contact; ``rows`` holds each one's row index."""

    tags: tuple[str, ...]
    contact_ids: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


class TagPlan:
    """Tag additions waiting to be sent.

    Args:
        chunk_size: Most contacts per request.
    """

    def __init__(self, chunk_size: int) -> None:
        self._chunk = chunk_size
        self._by_set: Counter[frozenset[str]] = Counter()
        self._by_tag: Counter[str] = Counter()
        self._set_cost = self._tag_cost = 0
        self._waiting: list[tuple[int, str, frozenset[str]]] = []
        # Each set of tags kept once: rows wait here until the end, most with the same few sets.
        self._sets: dict[frozenset[str], frozenset[str]] = {}

    def cost(self) -> int:
        """Requests the planned additions need."""
        return min(self._set_cost, self._tag_cost)

    def cost_with(self, tags: frozenset[str]) -> int:
        """Requests needed once one more contact gets ``tags``."""
        set_cost = self._set_cost + (self._by_set[tags] % self._chunk == 0)
        tag_cost = self._tag_cost + sum(self._by_tag[t] % self._chunk == 0 for t in tags)
        return min(set_cost, tag_cost)

    def plan(self, tags: frozenset[str]) -> None:
        """Count one contact that will get ``tags`` (its id may come later: :meth:`attach`)."""
        self._set_cost += self._by_set[tags] % self._chunk == 0
        self._tag_cost += sum(self._by_tag[t] % self._chunk == 0 for t in tags)
        self._by_set[tags] += 1
        self._by_tag.update(tags)

    def attach(self, row: int, contact_id: str, tags: frozenset[str]) -> None:
        """The contact of ``row`` gets ``tags`` (planned before with :meth:`plan`)."""
        self._waiting.append((row, contact_id, self._sets.setdefault(tags, tags)))

    def batches(self) -> list[TagBatch]:
        """The requests to send, each with at most ``chunk_size`` contacts."""
        by_tag = self._tag_cost < self._set_cost
        groups: dict[tuple[str, ...], TagBatch] = {}
        batches: list[TagBatch] = []
        for row, contact_id, tags in self._waiting:
            for group in _groups(tags, by_tag):
                batch = groups.get(group)
                if batch is None or len(batch.contact_ids) >= self._chunk:
                    batch = groups[group] = TagBatch(group)
                    batches.append(batch)
                batch.contact_ids.append(contact_id)
                batch.rows.append(row)
        self._waiting.clear()
        self._sets.clear()
        return batches


def _groups(tags: Iterable[str], by_tag: bool) -> list[tuple[str, ...]]:
    ordered = tuple(sorted(tags))
    return [(t,) for t in ordered] if by_tag else [ordered]
