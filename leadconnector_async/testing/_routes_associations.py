"""Tags, followers, campaigns and workflows of a contact.

Tags and followers are sets kept on the contact (``tags``, ``followers``); adding one already
there or removing one that is not changes nothing, as on the real API.
"""

from __future__ import annotations

from aiohttp import web

from . import _responses as respond
from ._related_store import change_members
from ._route_kit import ContactRequest, Route, contact_route
from ._routes_contacts import WRITE
from ._schemas_related import CAMPAIGN, FOLLOWERS, TAGS, WORKFLOW


def _change(ctx: ContactRequest, key: str, *, add: bool) -> list[str]:
    return change_members(ctx.contact, key, ctx.body[key], add=add)


@contact_route(WRITE, TAGS)
async def add_tags(ctx: ContactRequest) -> web.Response:
    _change(ctx, "tags", add=True)
    ctx.emit("ContactTagUpdate", ctx.contact)
    return respond.ok({"tags": ctx.contact["tags"]}, status=201)


@contact_route(WRITE, TAGS)
async def remove_tags(ctx: ContactRequest) -> web.Response:
    _change(ctx, "tags", add=False)
    ctx.emit("ContactTagUpdate", ctx.contact)
    return respond.ok({"tags": ctx.contact["tags"]})


@contact_route(WRITE, FOLLOWERS)
async def add_followers(ctx: ContactRequest) -> web.Response:
    added = _change(ctx, "followers", add=True)
    return respond.ok({"followers": ctx.contact["followers"], "followersAdded": added}, status=201)


@contact_route(WRITE, FOLLOWERS)
async def remove_followers(ctx: ContactRequest) -> web.Response:
    removed = _change(ctx, "followers", add=False)
    return respond.ok({"followers": ctx.contact["followers"], "followersRemoved": removed})


@contact_route(WRITE, CAMPAIGN)
async def add_to_campaign(ctx: ContactRequest) -> web.Response:
    ctx.related.campaigns.setdefault(ctx.contact_id, set()).add(ctx.param("campaignId"))
    return respond.ok({"succeded": True}, status=201)


@contact_route(WRITE)
async def remove_from_campaign(ctx: ContactRequest) -> web.Response:
    ctx.related.campaigns.get(ctx.contact_id, set()).discard(ctx.param("campaignId"))
    return respond.ok({"succeded": True})


@contact_route(WRITE)
async def remove_from_every_campaign(ctx: ContactRequest) -> web.Response:
    ctx.related.campaigns.pop(ctx.contact_id, None)
    return respond.ok({"succeded": True})


@contact_route(WRITE, WORKFLOW)
async def add_to_workflow(ctx: ContactRequest) -> web.Response:
    enrolled = ctx.related.workflows.setdefault(ctx.contact_id, {})
    enrolled[ctx.param("workflowId")] = ctx.body.get("eventStartTime")
    return respond.ok({"succeded": True})


@contact_route(WRITE, WORKFLOW)
async def remove_from_workflow(ctx: ContactRequest) -> web.Response:
    ctx.related.workflows.get(ctx.contact_id, {}).pop(ctx.param("workflowId"), None)
    return respond.ok({"succeded": True})


HANDLERS: dict[str, Route] = {
    "contacts.tags.add": add_tags,
    "contacts.tags.remove": remove_tags,
    "contacts.followers.add": add_followers,
    "contacts.followers.remove": remove_followers,
    "contacts.campaigns.remove_all": remove_from_every_campaign,
    "contacts.campaigns.add": add_to_campaign,
    "contacts.campaigns.remove": remove_from_campaign,
    "contacts.workflows.add": add_to_workflow,
    "contacts.workflows.remove": remove_from_workflow,
}
