"""leadconnector_async: an asyncio-native client for the LeadConnector Contacts API v2.

Example::

    import leadconnector_async as lc

    async with lc.LeadConnector(token, location_id="...") as client:
        contact = await client.contacts.create(lc.ContactCreate(first_name="Jane"))
"""

from typing import TYPE_CHECKING

from ._version import __version__

# The names below are imported when first used (PEP 562), so ``import leadconnector_async`` and
# the command line's ``--help`` stay quick. This block is the one list of where each name lives:
# type checkers read it, and ``__getattr__`` reads it from this file's source on first use.
if TYPE_CHECKING:
    from ._config import RateLimit, RetryPolicy, Timeouts
    from ._observe import AttemptInfo, CallOutcome
    from ._protocol import Call, RateLimitSnapshot
    from ._ratelimit import Limiter, Permit, RateLimitStatus
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
        RateLimitTimeoutError,
        RedirectError,
        ResponseTooLargeError,
        ScopeError,
        ServerError,
        TransportError,
        UnprocessableEntityError,
        WebhookVerificationError,
    )
    from .models import (
        CLEAR,
        UNSET,
        Appointment,
        AttributionSource,
        BulkBusinessResult,
        BulkTagsEntry,
        BulkTagsResult,
        ClearType,
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
        UnsetType,
        UpsertResult,
    )
    from .models.bulk import BulkFailure, BulkOutcome, BulkProgress, BulkResult
    from .models.search import Filter, FilterGroup, Range, Sort
    from .models.sync import SyncResult
    from .oauth import AgencyTokens, authorization_url, exchange_code
    from .pagination import Page, Paginator
else:
    from ._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "CLEAR",
    "UNSET",
    "APIError",
    "AgencyTokens",
    "Appointment",
    "AttemptInfo",
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
    "CallOutcome",
    "Call",
    "ClearType",
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
    "Permit",
    "PermissionDeniedError",
    "Range",
    "RateLimit",
    "RateLimitError",
    "RateLimiterUnavailableError",
    "RateLimitSnapshot",
    "RateLimitStatus",
    "RateLimitTimeoutError",
    "RedirectError",
    "RequestCounts",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ScopeError",
    "ServerError",
    "Sort",
    "StaticToken",
    "SyncResult",
    "Task",
    "TaskCreate",
    "TaskUpdate",
    "Timeouts",
    "TokenSource",
    "TransportError",
    "UnprocessableEntityError",
    "UnsetType",
    "UpsertResult",
    "WebhookVerificationError",
    "__version__",
    "authorization_url",
    "exchange_code",
]
