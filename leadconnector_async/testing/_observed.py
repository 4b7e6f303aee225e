"""Shapes the real API sends that its spec does not declare, served when the fake is asked to.

``FakeLeadConnector(real_world_shapes=True)`` makes search results look like the ones reported
in the wild (reference brief section 11, highlevel-api-docs issue #314): ``dateOfBirth`` as
epoch milliseconds, and ``address`` where the schema says ``address1``. Clients that decode
only the declared shapes break on them; this lets their tests find out.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from ._validation import birth_date


def as_observed_in_search(contact: dict[str, Any]) -> dict[str, Any]:
    """``contact`` as the real search returns it: epoch-ms ``dateOfBirth``, ``address``."""
    shaped = dict(contact)
    if "address1" in shaped:
        shaped["address"] = shaped.pop("address1")
    birthday = epoch_ms(shaped.get("dateOfBirth"))
    if birthday is not None:
        shaped["dateOfBirth"] = birthday
    return shaped


def epoch_ms(value: Any) -> int | None:
    """A date string in one of the formats the API accepts, as UTC epoch milliseconds."""
    if not isinstance(value, str):
        return None
    moment = birth_date(value[:10] if "T" in value else value)
    return None if moment is None else int(moment.replace(tzinfo=UTC).timestamp() * 1000)
