"""Error pages: JSON for the API, as its OpenAPI document says."""

from django.http import JsonResponse
from django.views import defaults

API_PREFIXES = ("/api/", "/openapi.json")


def not_found(request, exception):
    """404 for an address no URL matches: JSON under /api/, the usual page elsewhere."""
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
