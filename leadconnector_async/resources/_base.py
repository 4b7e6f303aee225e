"""What every resource shares: the client that sends its calls, and the small call builders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from .._protocol import Call, Decode, segment, unwrap
from ..errors import ConfigurationError
from ..models._base import Succeeded

if TYPE_CHECKING:
    from ..client import LeadConnector

T = TypeVar("T")
R = TypeVar("R", bound="Resource")

_SUCCEEDED = unwrap(Succeeded, attrgetter("ok"))


def acknowledged(body: bytes) -> bool:
    """Decode ``{"succeded": true}`` / ``{"succeeded": true}``, or an empty body (a 204).

    Any 2xx counts as success, so the flag is read but never turned into an error; a body that
    is not JSON still is one (it may be a truncated answer).
    """
    return _SUCCEEDED(body) if body.strip() else True


class Resource:
    """Base of the resource classes; holds the client and nothing else."""

    __slots__ = ("_client",)

    def __init__(self, client: LeadConnector) -> None:
        self._client = client


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


def contact_path(contact_id: str, *parts: str) -> str:
    """``/contacts/{contactId}/...`` with the contact id quoted; ``parts`` are quoted already."""
    return "/".join(("/contacts", segment(contact_id, "contact_id"), *parts))


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


def list_body_call(
    method: str, contact_id: str, key: str, values: Iterable[str], decode: Decode[T]
) -> Call[T]:
    """``POST``/``DELETE /contacts/{contactId}/{key}`` with the body ``{key: [values]}``.

    Adding or removing members of a set (tags, followers) is idempotent, so it may be retried.
    """
    body = {key: string_list(values, key)}
    return Call(method, contact_path(contact_id, key), decode, body=body)
