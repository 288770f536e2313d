"""Every error as an RFC 9457 problem body that names the field and the reason."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException

from leadflow.errors import ConfigError, InvalidInputError, LeadflowError, NotFoundError
from leadflow.ingest.errors import LeadConflict
from leadflow.lifecycle.actors import NotAllowedError
from leadflow.lifecycle.stages import IllegalTransition
from leadflow.users.errors import UserConflictError
from leadflow.users.schemas import reason_of

PROBLEM_JSON = "application/problem+json"
# Where a validation error's location starts in FastAPI: stripped, so `field` reads as sent.
_LOCATIONS = {"body", "query", "path", "header", "cookie"}
# Domain errors by HTTP status; the first class an error is an instance of wins. A domain
# that adds its own error adds its row here (e.g. a permission error 403, a conflict 409).
DOMAIN_STATUS: tuple[tuple[type[LeadflowError], int], ...] = (
    (NotFoundError, 404),
    (UserConflictError, 409),
    # A stage move the lead's current stage does not allow: the message names both.
    (IllegalTransition, 409),
    (NotAllowedError, 403),
    # Another lead has the e-mail or external id a profile change asks for.
    (LeadConflict, 409),
    (InvalidInputError, 422),
    # The server's own configuration or database is at fault, not the request.
    (ConfigError, 503),
    # Any other refusal the domain explains to a person: the request cannot be done.
    (LeadflowError, 422),
)

log = logging.getLogger("leadflow.api")


class FieldProblem(BaseModel):
    """One thing wrong with a request: where (a dotted path such as `territory.region.0`)
    and why."""

    field: str
    reason: str


class Problem(BaseModel):
    """An error response (RFC 9457 `application/problem+json`)."""

    type: str = Field(default="about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="The HTTP status phrase.")
    status: int
    detail: str = Field(description="What went wrong, for people.")
    errors: list[FieldProblem] = Field(default_factory=list)


class RequestProblem(Exception):
    """Raised by routes and dependencies to answer with a problem body."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.headers = dict(headers or {})


def status_of(error: LeadflowError) -> int:
    """The HTTP status a domain error is answered with."""
    return next(code for kind, code in DOMAIN_STATUS if isinstance(error, kind))


@contextmanager
def naming_field(field: str) -> Iterator[None]:
    """Answer a domain refusal of invalid input raised inside as a 422 naming `field` (the
    request field the service was given); errors with a status or field of their own pass."""
    try:
        yield
    except InvalidInputError as exc:
        if status_of(exc) != 422 or getattr(exc, "field", None):
            raise
        raise RequestProblem(422, str(exc), field=field) from exc


def problem_response(
    status: int,
    detail: str,
    errors: Iterable[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem body with its status and media type."""
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail, errors=[*errors])
    return JSONResponse(
        body.model_dump(), status_code=status, headers=headers, media_type=PROBLEM_JSON
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries: each status answers with a problem body."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def add_problem_schemas(openapi: dict[str, Any]) -> dict[str, Any]:
    """Put Problem and FieldProblem in the OpenAPI components that problem responses name."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    components.update(schema.pop("$defs", {}))
    components["Problem"] = schema
    return openapi


def _field(location: Sequence[int | str]) -> str:
    path = [str(part) for part in location]
    if path and path[0] in _LOCATIONS:
        path = path[1:] or path[:1]
    return ".".join(path)


async def _validation_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldProblem(
            field="body" if error["type"] == "json_invalid" else _field(error["loc"]),
            reason=reason_of(error),
        )
        for error in exc.errors()
    ]
    detail = "; ".join(f"{error.field}: {error.reason}" for error in errors[:3])
    if len(errors) > 3:
        detail += f"; and {len(errors) - 3} more"
    return problem_response(422, detail or "the request is invalid", errors)


async def _request_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestProblem)
    errors = [FieldProblem(field=exc.field, reason=exc.detail)] if exc.field else []
    return problem_response(exc.status, exc.detail, errors, exc.headers)


async def _http_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI could not read the body at all (not UTF-8, nested too deep): like
        # malformed JSON, that is invalid input in the body.
        reason = "cannot be read as JSON: it must be UTF-8 text, not nested too deeply"
        return problem_response(422, f"body: {reason}", [FieldProblem(field="body", reason=reason)])
    return problem_response(exc.status_code, str(exc.detail), headers=exc.headers)


async def _domain_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LeadflowError)
    status = status_of(exc)
    field = getattr(exc, "field", None)
    reason = getattr(exc, "reason", str(exc))
    errors = [FieldProblem(field=field, reason=reason)] if field else []
    # Errors about many records (a batch) list each bad field as (field, reason).
    listed: list[tuple[str, str]] = getattr(exc, "field_problems", [])
    errors += [FieldProblem(field=name, reason=why) for name, why in listed]
    if status >= 500:
        log.error("configuration problem while answering a request: %s", exc)
    return problem_response(status, str(exc), errors)


async def _integrity_problem(_: Request, exc: Exception) -> JSONResponse:
    # A uniqueness or reference check the services' own checks lost a race to.
    log.info("conflicting write refused: %s", exc)
    return problem_response(409, "the change conflicts with data written at the same time")


async def _data_problem(_: Request, exc: Exception) -> JSONResponse:
    # Input validation should have refused the value first: log it so the gap gets closed.
    log.warning("database refused a value that validation let through: %s", exc)
    return problem_response(422, "a value is out of the range the database can store")


async def _unavailable_problem(_: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable or busy: %s", exc)
    return problem_response(
        503, "the database is unavailable or busy; retry shortly", headers={"Retry-After": "1"}
    )


async def _unexpected_problem(request: Request, exc: Exception) -> JSONResponse:
    incident = uuid.uuid4().hex[:12]
    log.error(
        "unexpected error %s on %s %s", incident, request.method, request.url.path, exc_info=exc
    )
    return problem_response(500, f"unexpected error {incident}: a bug; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error, expected or not, with a problem body."""
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(RequestProblem, _request_problem)
    app.add_exception_handler(HTTPException, _http_problem)
    app.add_exception_handler(LeadflowError, _domain_problem)
    app.add_exception_handler(IntegrityError, _integrity_problem)
    app.add_exception_handler(DataError, _data_problem)
    app.add_exception_handler(OperationalError, _unavailable_problem)
    app.add_exception_handler(PoolTimeoutError, _unavailable_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
