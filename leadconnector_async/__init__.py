"""leadconnector_async: an asyncio-native client for the LeadConnector Contacts API v2.

Example::

    import leadconnector_async as lc

    async with lc.LeadConnector(token, location_id="...") as client:
        contact = await client.contacts.create(lc.ContactCreate(first_name="Jane"))
"""

from ._config import RateLimit, RetryPolicy, Timeouts
from ._protocol import Call, RateLimitSnapshot
from ._ratelimit import Limiter, RateLimitStatus
from ._version import __version__
from .auth import OAuthToken, StaticToken, TokenSource
from .bulk import BulkJob
from .client import LeadConnector, RequestCounts
from .custom_fields import CustomFieldDirectory
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    CustomFieldError,
    DuplicateContactError,
    LeadConnectorError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RateLimiterUnavailableError,
    RedirectError,
    ResponseTooLargeError,
    ScopeError,
    ServerError,
    TransportError,
    UnprocessableEntityError,
    WebhookVerificationError,
)
from .models import (
    Appointment,
    AttributionSource,
    BulkBusinessResult,
    BulkTagsEntry,
    BulkTagsResult,
    Contact,
    ContactCreate,
    ContactUpdate,
    CustomField,
    CustomFieldInput,
    CustomFieldValue,
    DndChannel,
    DndChannelInput,
    DndSettings,
    DndSettingsInput,
    FollowersResult,
    InboundDndSettings,
    Note,
    NoteCreate,
    NoteUpdate,
    Opportunity,
    Task,
    TaskCreate,
    TaskUpdate,
    UpsertResult,
)
from .models.bulk import BulkFailure, BulkOutcome, BulkProgress, BulkResult
from .models.search import Filter, FilterGroup, Range, Sort
from .oauth import AgencyTokens, authorization_url, exchange_code
from .pagination import Page, Paginator

__all__ = [
    "APIError",
    "AgencyTokens",
    "Appointment",
    "AttributionSource",
    "AuthenticationError",
    "BadRequestError",
    "BulkBusinessResult",
    "BulkFailure",
    "BulkJob",
    "BulkOutcome",
    "BulkProgress",
    "BulkResult",
    "BulkTagsEntry",
    "BulkTagsResult",
    "Call",
    "ClientClosedError",
    "ConfigurationError",
    "Contact",
    "ContactCreate",
    "ContactUpdate",
    "CustomField",
    "CustomFieldDirectory",
    "CustomFieldError",
    "CustomFieldInput",
    "CustomFieldValue",
    "DndChannel",
    "DndChannelInput",
    "DndSettings",
    "DndSettingsInput",
    "DuplicateContactError",
    "Filter",
    "FilterGroup",
    "FollowersResult",
    "InboundDndSettings",
    "LeadConnector",
    "LeadConnectorError",
    "Limiter",
    "NotFoundError",
    "Note",
    "NoteCreate",
    "NoteUpdate",
    "OAuthToken",
    "Opportunity",
    "Page",
    "PaginationError",
    "Paginator",
    "PermissionDeniedError",
    "Range",
    "RateLimit",
    "RateLimitError",
    "RateLimiterUnavailableError",
    "RateLimitSnapshot",
    "RateLimitStatus",
    "RedirectError",
    "RequestCounts",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ScopeError",
    "ServerError",
    "Sort",
    "StaticToken",
    "Task",
    "TaskCreate",
    "TaskUpdate",
    "Timeouts",
    "TokenSource",
    "TransportError",
    "UnprocessableEntityError",
    "UpsertResult",
    "WebhookVerificationError",
    "__version__",
    "authorization_url",
    "exchange_code",
]
