"""Which requests are the API's: everything under /api/, after the script prefix."""

from django.http import HttpRequest

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)
