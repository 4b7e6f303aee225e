"""A faithful fake LeadConnector server for offline tests and demos (ships with the package).

Start it in-process with ``async with FakeLeadConnector() as fake:`` or standalone with
``python -m leadconnector_async.testing --port 8080``. Pytest fixtures live in
``leadconnector_async.testing.fixtures`` (add it to ``pytest_plugins``).
"""

from ._faults import Faults
from ._limits import FakeRateLimit
from ._oauth import (
    FakeOAuth,
    Grant,
    OAuthStats,
    TokenAnswerKind,
    TokenRequest,
    UsedRefreshToken,
)
from ._server import (
    API_VERSION,
    DEFAULT_LOCATION,
    DEFAULT_TOKEN,
    Exchange,
    FakeLeadConnector,
    Stats,
    TokenInfo,
)

__all__ = [
    "API_VERSION",
    "DEFAULT_LOCATION",
    "DEFAULT_TOKEN",
    "Exchange",
    "FakeLeadConnector",
    "FakeOAuth",
    "FakeRateLimit",
    "Faults",
    "Grant",
    "OAuthStats",
    "Stats",
    "TokenAnswerKind",
    "TokenInfo",
    "TokenRequest",
    "UsedRefreshToken",
]
