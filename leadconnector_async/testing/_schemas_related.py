"""Request schemas of the calls around a contact (tasks, notes, tags, bulk), as the API
validates them: unknown properties and missing required ones are 422s."""

from __future__ import annotations

from ._validation import BOOL, LIST, NSTR, STR, Schema

_TASK_FIELDS = {"title": STR, "body": STR, "dueDate": STR, "completed": BOOL, "assignedTo": STR}
_NOTE_FIELDS = {"userId": STR, "body": STR, "title": STR, "color": STR, "pinned": BOOL}

CREATE_TASK = Schema(_TASK_FIELDS, frozenset({"title", "dueDate", "completed"}))
UPDATE_TASK = Schema(_TASK_FIELDS)
TASK_COMPLETED = Schema({"completed": BOOL}, frozenset({"completed"}))
CREATE_NOTE = Schema(_NOTE_FIELDS, frozenset({"body"}))
UPDATE_NOTE = Schema(_NOTE_FIELDS)
TAGS = Schema({"tags": LIST}, frozenset({"tags"}))
FOLLOWERS = Schema({"followers": LIST}, frozenset({"followers"}))
CAMPAIGN = Schema({})
WORKFLOW = Schema({"eventStartTime": STR})
BULK_TAGS = Schema(
    {"contacts": LIST, "tags": LIST, "locationId": STR, "removeAllTags": BOOL},
    frozenset({"contacts", "tags", "locationId"}),
)
# ``businessId`` is required but may be null (null unlinks): its presence is checked by the route.
BULK_BUSINESS = Schema(
    {"locationId": STR, "ids": LIST, "businessId": NSTR}, frozenset({"locationId", "ids"})
)
