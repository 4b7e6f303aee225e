"""Tasks and notes of a contact: the same five routes for each, plus completing a task."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import _responses as respond
from ._related_store import RecordKind
from ._route_kit import ContactRequest, Route, contact_route
from ._routes_contacts import READ, WRITE
from ._schemas_related import CREATE_NOTE, CREATE_TASK, TASK_COMPLETED, UPDATE_NOTE, UPDATE_TASK
from ._validation import Schema

RecordHandler = Callable[[ContactRequest, dict[str, Any]], web.Response]


@dataclass(frozen=True)
class Records:
    """One kind of record: where it lives, its envelope names, schemas and webhook events."""

    kind: RecordKind
    item: str
    id_param: str
    label: str
    create: Schema
    update: Schema
    update_event: str | None

    def route(self, scope: str, schema: Schema | None = None) -> Callable[[RecordHandler], Route]:
        """:func:`contact_route` that also finds the record named in the path (or 400/404s)."""

        def wrap(handler: RecordHandler) -> Route:
            async def found(ctx: ContactRequest) -> web.Response:
                record_id = ctx.param(self.id_param)
                record = ctx.related.records(self.kind, ctx.contact_id).get(record_id)
                if record is None:
                    message = f"{self.label} with id {record_id} not found"
                    return respond.not_found(message, ctx.fake.not_found_status)
                return handler(ctx, record)

            return contact_route(scope, schema)(found)

        return wrap


TASKS = Records("tasks", "task", "taskId", "Task", CREATE_TASK, UPDATE_TASK, None)
NOTES = Records("notes", "note", "id", "Note", CREATE_NOTE, UPDATE_NOTE, "NoteUpdate")


def record_handlers(records: Records) -> dict[str, Route]:
    """The list, create, get, update and delete handlers of one kind of record, by endpoint."""

    @contact_route(READ)
    async def list_records(ctx: ContactRequest) -> web.Response:
        items = list(ctx.related.records(records.kind, ctx.contact_id).values())
        return respond.ok({records.kind: items})

    @contact_route(WRITE, records.create)
    async def create_record(ctx: ContactRequest) -> web.Response:
        record = ctx.related.add_record(records.kind, ctx.contact_id, ctx.body)
        ctx.emit(f"{records.label}Create", record)
        return respond.ok({records.item: record}, status=201)

    @records.route(READ)
    def get_record(ctx: ContactRequest, record: dict[str, Any]) -> web.Response:
        return respond.ok({records.item: record})

    @records.route(WRITE, records.update)
    def update_record(ctx: ContactRequest, record: dict[str, Any]) -> web.Response:
        record.update(ctx.body)
        if records.update_event:
            ctx.emit(records.update_event, record)
        return respond.ok({records.item: record})

    @records.route(WRITE)
    def delete_record(ctx: ContactRequest, record: dict[str, Any]) -> web.Response:
        del ctx.related.records(records.kind, ctx.contact_id)[record["id"]]
        ctx.emit(f"{records.label}Delete", record)
        return respond.ok({"succeded": True})

    name = f"contacts.{records.kind}"
    return {
        f"{name}.list": list_records,
        f"{name}.create": create_record,
        f"{name}.get": get_record,
        f"{name}.update": update_record,
        f"{name}.delete": delete_record,
    }


@TASKS.route(WRITE, TASK_COMPLETED)
def complete_task(ctx: ContactRequest, task: dict[str, Any]) -> web.Response:
    task["completed"] = ctx.body["completed"]
    if task["completed"]:
        ctx.emit("TaskComplete", task)
    return respond.ok({"task": task})


HANDLERS: dict[str, Route] = {
    **record_handlers(TASKS),
    "contacts.tasks.complete": complete_task,
    **record_handlers(NOTES),
}
