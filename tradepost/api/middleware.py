"""Turns error responses under /api/ that did not come from our handlers (405, Django's own 404/403) into
problem JSON, so API clients see one error shape whatever layer refused the request."""

from http import HTTPStatus

from tradepost.api.paths import is_api
from tradepost.api.problems import PROBLEM_CONTENT_TYPE, problem_response


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            is_api(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith((PROBLEM_CONTENT_TYPE, "application/json"))
        ):
            status = response.status_code
            title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
            detail = title
            headers = {}
            if status == 405:
                allowed = response.get("Allow", "")
                detail = f"{request.method} is not allowed here; allowed: {allowed}." if allowed else detail
                headers["Allow"] = allowed
            return problem_response(
                status=status, title=title, detail=detail, instance=request.path, headers=headers
            )
        return response
