"""The vendored official spec: integrity check, operation list, and JSON-schema validators."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
COMMON_REF = "../common/common-schemas.json"


def pinned_sums() -> dict[str, str]:
    sums = {}
    for line in (SPEC_DIR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    return sums


def actual_sum(name: str) -> str:
    return hashlib.sha256((SPEC_DIR / name).read_bytes()).hexdigest()


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


@cache
def spec() -> dict[str, Any]:
    return _load(SPEC_DIR / "contacts.json")


@cache
def locations_spec() -> dict[str, Any]:
    """The Locations API spec (custom field definitions)."""
    return _load(SPEC_DIR / "locations.json")


@cache
def v3_spec() -> dict[str, Any]:
    """The Contacts spec for ``Version: v3`` (same paths but two; v3 schemas)."""
    return _load(SPEC_DIR / "v3" / "contacts-v3.json")


@cache
def common() -> dict[str, Any]:
    return _load(SPEC_DIR / "common" / "common-schemas.json")


@cache
def v3_common() -> dict[str, Any]:
    return _load(SPEC_DIR / "v3" / "common" / "common-schemas.json")


def operations(doc: dict[str, Any] | None = None) -> set[tuple[str, str]]:
    """Every (METHOD, path template) the spec declares (``doc``: another vendored spec)."""
    return {
        (method.upper(), path)
        for path, ops in (doc or spec())["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "delete", "patch"}
    }


def operation(method: str, path: str, doc: dict[str, Any] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = (doc or spec())["paths"][path][method.lower()]
    return found


def _to_jsonschema(node: Any, doc: dict[str, Any] | None = None) -> Any:
    """OpenAPI 3.0 -> JSON Schema: inline refs (local ones against ``doc``, default the
    Contacts spec), turn ``nullable`` into a null type."""
    if isinstance(node, list):
        return [_to_jsonschema(item, doc) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref: str = node["$ref"]
        shared = v3_common() if doc is v3_spec() else common()
        source = shared if ref.startswith(COMMON_REF) else doc or spec()
        name = ref.rsplit("/", 1)[-1]
        return _to_jsonschema(source["components"]["schemas"][name], doc)
    out = {k: _to_jsonschema(v, doc) for k, v in node.items() if k not in ("nullable", "example")}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def request_schema(
    method: str, path: str, doc: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    body = operation(method, path, doc).get("requestBody")
    if body is None:
        return None
    schema: dict[str, Any] = _to_jsonschema(body["content"]["application/json"]["schema"], doc)
    return schema


def response_schema(
    method: str, path: str, status: int, doc: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The JSON schema of a response (``doc``: another vendored spec than Contacts)."""
    op = (doc or spec())["paths"][path][method.lower()]
    response = op["responses"].get(str(status))
    content = (response or {}).get("content", {}).get("application/json")
    if not content or not content.get("schema"):
        return None
    schema: dict[str, Any] = _to_jsonschema(content["schema"], doc)
    return schema


def validation_errors(schema: dict[str, Any], instance: Any) -> list[str]:
    return [e.message for e in Draft202012Validator(schema).iter_errors(instance)]
