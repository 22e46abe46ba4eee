"""One error base for the whole platform; interfaces render it as problem JSON or form errors."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """A problem with one input field; `field` is a dotted path such as `body.email` or `money_back.days`."""

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class ApplicationError(Exception):
    """A rule said no. Carries a stable machine code, an HTTP status and optional field errors."""

    status = 400
    code = "application_error"
    title = "The request could not be completed"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: list[FieldError] | None = None,
        status: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.errors: list[FieldError] = list(errors or [])
        if field:
            self.errors.insert(0, FieldError(field=field, message=message, code=self.code))

    def __str__(self) -> str:
        return self.message


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_error"
    title = "Some input is not valid"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    title = "Not found"


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"
    title = "Not allowed"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    title = "Conflicts with the current state"


class RateLimited(ApplicationError):
    status = 429
    code = "rate_limited"
    title = "Too many attempts"

    def __init__(self, message: str, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
