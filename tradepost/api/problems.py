"""RFC 9457 problem details: the one shape every API error takes."""

import json

from django.http import HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://tradepost.dev/problems/"


def problem_body(
    *,
    status: int,
    title: str,
    detail: str = "",
    code: str | None = None,
    errors=None,
    instance: str | None = None,
) -> dict:
    body = {
        "type": PROBLEM_BASE + (code or str(status)).replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if code:
        body["code"] = code
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    *,
    status: int,
    title: str,
    detail: str = "",
    code: str | None = None,
    errors=None,
    instance: str | None = None,
    headers: dict | None = None,
) -> HttpResponse:
    body = problem_body(
        status=status, title=title, detail=detail, code=code, errors=errors, instance=instance
    )
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for key, value in (headers or {}).items():
        response[key] = value
    return response
