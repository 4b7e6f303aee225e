"""What every resource shares: the client that sends its calls, and the small call builders."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ..endpoints import Endpoint
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..client import LeadConnector

T = TypeVar("T")
R = TypeVar("R", bound="Resource")


class Resource:
    """Base of the resource classes; holds the client and nothing else."""

    __slots__ = ("_client",)

    def __init__(self, client: LeadConnector) -> None:
        self._client = client

    def _send(
        self,
        endpoint: Endpoint[T],
        *path_args: str,
        body: Any = None,
        params: Mapping[str, str | int | None] | None = None,
        location_id: str | None = None,
    ) -> Coroutine[Any, Any, T]:
        """Send ``endpoint`` in the client's API version; ``path_args`` fill its path.

        Builds the call now (a bad argument raises here) and returns the client's coroutine
        for the caller to await: one coroutine frame fewer on every request.
        """
        call = endpoint.call(
            self._client._config.api_version,  # (not the property: no call per request)
            *path_args,
            body=body,
            params=params,
            location_id=location_id,
        )
        return self._client.send(call)


class SubResource(Generic[R]):
    """A resource reached through another (``client.contacts.tasks``), built on access.

    A class attribute: ``tasks = SubResource(TasksResource)``. The sub-resource shares its
    parent's client, so ``client.for_location(...).contacts.tasks`` uses that location.
    """

    __slots__ = ("_build",)

    def __init__(self, build: Callable[[LeadConnector], R]) -> None:
        self._build = build

    @overload
    def __get__(self, parent: None, owner: type[Any]) -> SubResource[R]: ...
    @overload
    def __get__(self, parent: Resource, owner: type[Any]) -> R: ...
    def __get__(self, parent: Resource | None, owner: type[Any]) -> R | SubResource[R]:
        return self if parent is None else self._build(parent._client)


def string_list(
    values: Iterable[str], name: str, *, empty: bool = False, most: int = 0
) -> list[str]:
    """``values`` as a list of non-empty strings, or a ``ConfigurationError`` before sending.

    Args:
        values: Any iterable of strings; a bare string is refused (it would become letters).
        name: The argument's name, for the error message.
        empty: Whether an empty list is acceptable.
        most: The largest number of items accepted (0: no limit).
    """
    if isinstance(values, str | bytes):
        raise ConfigurationError(f"{name} must be a list of strings, not a single string")
    items = list(values)
    if not empty and not items:
        raise ConfigurationError(f"{name} must not be empty")
    if most and len(items) > most:
        raise ConfigurationError(f"{name} holds {len(items)} items; at most {most} are accepted")
    if bad := [item for item in items if not isinstance(item, str) or not item.strip()]:
        raise ConfigurationError(f"{name} must hold non-empty strings, got {bad[0]!r}")
    return items
