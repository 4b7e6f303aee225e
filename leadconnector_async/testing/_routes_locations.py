"""Location routes: the custom field definitions (``GET /locations/{locationId}/customFields``)."""

from __future__ import annotations

from aiohttp import web

from . import _responses as respond
from ._routes import fake_of, scope_denied

READ_SCOPE = "locations/customFields.readonly"
MODELS = ("contact", "opportunity", "all")


async def list_custom_fields(request: web.Request) -> web.Response:
    """``GET /locations/{locationId}/customFields?model=contact|opportunity|all``."""
    if (denied := scope_denied(request, READ_SCOPE)) is not None:
        return denied
    unknown = [f"property {name} should not exist" for name in request.query if name != "model"]
    model = request.query.get("model", "all")
    if model not in MODELS:
        unknown.append(f"model must be one of the following values: {', '.join(MODELS)}")
    if unknown:
        return respond.unprocessable(unknown)
    store = fake_of(request).custom_fields
    return respond.ok({"customFields": store.of(request.match_info["locationId"], model)})


HANDLERS = {"locations.custom_fields": list_custom_fields}
