"""The public surface is pinned: a change here is a deliberate API change."""

import ast
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import leadconnector_async as lc

CONTRACT = {
    "LeadConnector",
    "RateLimit",
    "Contact",
    "ContactCreate",
    "ContactUpdate",
    "UpsertResult",
    "LeadConnectorError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "BadRequestError",
    "DuplicateContactError",
    "UnprocessableEntityError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "WebhookVerificationError",
    "OAuthToken",
}


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
    "PoolTimeoutError",
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
    "UnfitResponseError",
    "UnprocessableEntityError",
    "UnsetType",
    "UpsertResult",
    "WebhookVerificationError",
    "__version__",
    "authorization_url",
    "exchange_code",
    "tune_gc",
]


def _type_checking_imports() -> dict[str, tuple[str, ...]]:
    tree = ast.parse(Path(lc.__file__).read_text(encoding="utf-8"))
    guard = next(
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    )
    return {
        "." * node.level + (node.module or ""): tuple(a.asname or a.name for a in node.names)
        for node in guard.body
        if isinstance(node, ast.ImportFrom)
    }


def test_lazy_table_matches_the_imports_type_checkers_read() -> None:
    # A name added to the ``if TYPE_CHECKING:`` imports must be added to ``_EXPORTS`` too.
    tree = ast.parse(Path(lc.__file__).read_text(encoding="utf-8"))
    table = next(
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "_EXPORTS"
    )
    assert table == _type_checking_imports()


def test_package_imports_from_a_zip_file(tmp_path: Path) -> None:
    # zipapps and sourceless bundles (PyInstaller) have no __init__.py to read at run time.
    archive = tmp_path / "lc.zip"
    package = Path(lc.__file__).parent
    with zipfile.ZipFile(archive, "w") as zf:
        for path in package.rglob("*.py"):
            zf.write(path, path.relative_to(package.parent))
    code = "import leadconnector_async as lc; print(lc.LeadConnector.__module__, lc.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(archive)},
        cwd=tmp_path,
        check=True,
    )
    module, origin = out.stdout.split()
    assert module == "leadconnector_async.client"
    assert origin.startswith(str(archive))
