"""What every resource shares: a reference to the client that sends its calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..client import LeadConnector


class Resource:
    """Base of the resource classes; holds the client and nothing else."""

    __slots__ = ("_client",)

    def __init__(self, client: LeadConnector) -> None:
        self._client = client
