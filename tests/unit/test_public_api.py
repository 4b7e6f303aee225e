"""The public surface is pinned: a change here is a deliberate API change."""

import leadconnector_async as lc

CONTRACT = {
    "LeadConnector", "RateLimit", "Contact", "ContactCreate", "ContactUpdate", "UpsertResult",
    "LeadConnectorError", "AuthenticationError", "PermissionDeniedError", "NotFoundError",
    "BadRequestError", "DuplicateContactError", "UnprocessableEntityError", "RateLimitError",
    "ServerError", "TransportError", "WebhookVerificationError", "OAuthToken",
}  # fmt: skip


def test_contract_names_are_exported() -> None:
    assert set(lc.__all__) >= CONTRACT
    for name in lc.__all__:
        assert hasattr(lc, name), name


def test_all_is_pinned() -> None:
    assert sorted(lc.__all__) == sorted(PINNED)


def test_error_tree() -> None:
    assert issubclass(lc.DuplicateContactError, lc.BadRequestError)
    for name in CONTRACT:
        obj = getattr(lc, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, lc.LeadConnectorError)


PINNED = [
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
    "CLEAR",
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
    "RateLimitSnapshot",
    "RateLimitStatus",
    "RateLimitTimeoutError",
    "RateLimiterUnavailableError",
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
    "UNSET",
    "UnprocessableEntityError",
    "UnsetType",
    "UpsertResult",
    "WebhookVerificationError",
    "__version__",
    "authorization_url",
    "exchange_code",
]
