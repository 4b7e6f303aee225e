"""Shapes the real API sends that its spec does not declare, served when the fake is asked to.

``FakeLeadConnector(real_world_shapes=True)`` makes search results look like the ones reported
in the wild (reference brief section 11, highlevel-api-docs issue #314): ``dateOfBirth`` as
epoch milliseconds, and ``address`` where the schema says ``address1``. Clients that decode
only the declared shapes break on them; this lets their tests find out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m-%d-%Y", "%Y.%m.%d", "%Y_%m_%d")


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
    text = value[:10] if "T" in value else value
    for pattern in _DATE_FORMATS:
        try:
            moment = datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(moment.timestamp() * 1000)
    return None
