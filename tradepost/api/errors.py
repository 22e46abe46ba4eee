"""Every API error leaves as RFC 9457 problem JSON with field details; nothing escapes as a bare 500."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tradepost.api.problems import problem_response
from tradepost.core.exceptions import ApplicationError, RateLimited

logger = logging.getLogger(__name__)


def _location(loc) -> str:
    """Pydantic error location -> dotted field path, e.g. ('body', 'payload', 'email') -> 'body.email'."""
    parts = [str(part) for part in loc]
    # ninja wraps the body model under its parameter name; drop it so clients see their own field names.
    if len(parts) >= 2 and parts[0] == "body" and parts[1] in {"payload", "data"}:
        parts = ["body", *parts[2:]]
    return ".".join(parts) if parts else "body"


def _message(error: dict) -> str:
    if error.get("type") == "extra_forbidden":
        return "Unknown field."
    if error.get("type") == "missing":
        return "This field is required."
    return str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")


def on_validation_error(request, exc: ValidationError):
    errors = [
        {
            "field": _location(error.get("loc", ())),
            "message": _message(error),
            "code": error.get("type", "invalid"),
        }
        for error in exc.errors
    ]
    return problem_response(
        status=422,
        title="Some input is not valid",
        detail="; ".join(f"{e['field']}: {e['message']}" for e in errors) or "The request is not valid.",
        code="validation_error",
        errors=errors,
        instance=request.path,
    )


def on_application_error(request, exc: ApplicationError):
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return problem_response(
        status=exc.status,
        title=exc.title,
        detail=exc.message,
        code=exc.code,
        errors=[error.as_dict() for error in exc.errors] or None,
        instance=request.path,
        headers=headers,
    )


def on_authentication_error(request, exc):
    return problem_response(
        status=401,
        title="Not signed in",
        detail="Sign in, or send a personal API token as 'Authorization: Bearer <token>'.",
        code="not_authenticated",
        instance=request.path,
        headers={"WWW-Authenticate": 'Bearer realm="tradepost"'},
    )


def on_http_error(request, exc: HttpError):
    detail = str(exc.message) if hasattr(exc, "message") else str(exc)
    status = exc.status_code
    if status == 400 and "parse" in detail.lower():
        return problem_response(
            status=400,
            title="Malformed request body",
            detail="The request body is not valid JSON.",
            code="malformed_json",
            instance=request.path,
        )
    return problem_response(status=status, title=detail, detail=detail, instance=request.path)


def on_not_found(request, exc):
    return problem_response(
        status=404, title="Not found", detail="Not found.", code="not_found", instance=request.path
    )


def on_permission_denied(request, exc):
    return problem_response(
        status=403,
        title="Not allowed",
        detail=str(exc) or "Not allowed.",
        code="permission_denied",
        instance=request.path,
    )


def on_unexpected(request, exc: Exception):
    logger.exception("Unhandled API error at %s", request.path)
    return problem_response(
        status=500,
        title="Internal error",
        detail="Something went wrong on our side; it has been logged.",
        code="internal_error",
        instance=request.path,
    )


def install(api) -> None:
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(ApplicationError, on_application_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(DjangoPermissionDenied, on_permission_denied)
    api.add_exception_handler(Exception, on_unexpected)
