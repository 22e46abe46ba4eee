"""Error pages: HTML for people, RFC 9457 problem JSON for anything under /api/."""

from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from tradepost.api.paths import is_api
from tradepost.api.problems import problem_response


@requires_csrf_token
def page_not_found(request, exception=None):
    if is_api(request):
        return problem_response(status=404, title="Not found", detail=f"No endpoint at {request.path}.")
    return render(request, "storefront/errors/404.html", status=404)


@requires_csrf_token
def server_error(request):
    if is_api(request):
        return problem_response(
            status=500, title="Internal error", detail="Something went wrong on our side."
        )
    return render(request, "storefront/errors/500.html", status=500)
