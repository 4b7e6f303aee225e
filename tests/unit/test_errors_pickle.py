"""Every error survives a pickle round trip: errors cross process boundaries in worker pools."""

from __future__ import annotations

import inspect
import pickle
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async import errors

# A sample for each keyword an error class requires; a new required keyword must be added here.
SAMPLES: dict[str, Any] = {
    "existing_id": "c-1",
    "matching_field": "email",
    "messages": ["email is invalid", "phone is invalid"],
    "limit": 1024,
    "location": "https://elsewhere.example/",
    "retry_after": 2.5,
    "outcome_unknown": True,
    "reference": "contact.plan",
    "candidates": ("f1", "f2"),
}


def _every_error_class() -> list[type[lc.LeadConnectorError]]:
    found: list[type[lc.LeadConnectorError]] = []
    pending: list[type[lc.LeadConnectorError]] = [lc.LeadConnectorError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: c.__name__)


def _example(cls: type[lc.LeadConnectorError]) -> lc.LeadConnectorError:
    kwargs = {
        name: SAMPLES[name]
        for name, parameter in inspect.signature(cls).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name in SAMPLES
    }
    if "status_code" in inspect.signature(cls).parameters:
        kwargs.update(status_code=418, trace_id="trace-9")
    return cls(f"{cls.__name__} happened", **kwargs)


def test_every_public_error_is_covered() -> None:
    public = {getattr(errors, name) for name in errors.__all__}
    assert public <= set(_every_error_class())


@pytest.mark.parametrize("cls", _every_error_class(), ids=lambda c: c.__name__)
def test_error_round_trips_through_pickle(cls: type[lc.LeadConnectorError]) -> None:
    error = _example(cls)
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls
    assert str(back) == str(error)
    assert back.args == error.args
    assert vars(back) == vars(error)


def test_attributes_come_back_as_they_were() -> None:
    duplicate = lc.DuplicateContactError(
        "duplicated", existing_id="c-9", matching_field="phone", trace_id="t"
    )
    back = pickle.loads(pickle.dumps(duplicate))
    assert (back.existing_id, back.matching_field, back.status_code, back.trace_id) == (
        "c-9",
        "phone",
        400,
        "t",
    )
    invalid = pickle.loads(pickle.dumps(lc.UnprocessableEntityError("bad", messages=["a", "b"])))
    assert invalid.messages == ["a", "b"]
    assert invalid.status_code == 422


def test_a_pool_timeout_carries_what_every_transport_error_carries() -> None:
    # PoolTimeoutError sets its attributes itself (it skips two __init__ frames).
    assert vars(lc.PoolTimeoutError("m")) == vars(lc.TransportError("m"))
