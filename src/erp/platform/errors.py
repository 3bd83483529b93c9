"""Problem details (RFC 9457): one exception base, one place that turns errors into responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from erp.platform.logging import get_logger

PROBLEM_TYPE_BASE = "https://erp.example/problems/"
PROBLEM_JSON = "application/problem+json"
log = get_logger(__name__)


class ProblemError(Exception):
    """Base of every domain and platform error that maps to an HTTP problem response."""

    status = 500
    slug = "internal-error"
    title = "Internal server error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class BadRequest(ProblemError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extra)


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Not allowed for this role"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class PayloadTooLarge(ProblemError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class InvalidInput(ProblemError):
    status, slug, title = 422, "validation-error", "Invalid input"

    def __init__(self, field: str, message: str, **extra: Any) -> None:
        super().__init__(
            f"{field}: {message}", errors=[{"field": field, "message": message}], **extra
        )


class ServiceUnavailable(ProblemError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


def problem_response(error: ProblemError, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        error.body(instance),
        status_code=error.status,
        headers=error.headers,
        media_type=PROBLEM_JSON,
    )


_LOCATIONS = {"body", "query", "path", "header", "cookie"}
_HTTP_PROBLEMS = {
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: (PayloadTooLarge.slug, PayloadTooLarge.title),
}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def validation_problem(exc: RequestValidationError) -> ProblemError:
    errors = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            return BadRequest(
                f"malformed JSON body: {err.get('ctx', {}).get('error', 'invalid')}",
                errors=[{"field": "body", "message": "malformed JSON"}],
            )
        field = _field_name(tuple(err.get("loc", ())))
        errors.append({"field": field, "message": str(err.get("msg", "invalid"))})
    fields = ", ".join(sorted({e["field"] for e in errors}))
    problem = ProblemError(f"invalid input in: {fields}", errors=errors)
    problem.status, problem.slug, problem.title = 422, "validation-error", "Invalid input"
    return problem


def install_error_handlers(app: FastAPI) -> None:
    """Every 4xx/5xx leaves the service as application/problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc), request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        problem = ProblemError(str(exc.detail), headers=getattr(exc, "headers", None))
        problem.status = exc.status_code
        problem.slug, problem.title = _HTTP_PROBLEMS.get(exc.status_code, ("http", "HTTP error"))
        return problem_response(problem, request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return problem_response(ProblemError("an unexpected error occurred"), request.url.path)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
