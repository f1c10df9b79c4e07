"""OpenAPI document tweaks, so the document matches what the API really does.

drf-spectacular describes the successful answer of each operation; the API also
answers with errors that clients must expect (declare_error_responses), and some
operations need no credentials at all (AutoSchema.get_auth).
"""

from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from rest_framework import permissions


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus "no credentials needed" where that is true, and
    the 429 of every operation that a throttle (REST_FRAMEWORK's rates) can refuse."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and self.view.get_throttles():
            operation["responses"].setdefault("429", THROTTLED)
        return operation

    def get_auth(self):
        auths = super().get_auth()
        view_permissions = self.view.get_permissions()
        anonymous_reads = self.method in permissions.SAFE_METHODS and any(
            isinstance(p, permissions.DjangoModelPermissionsOrAnonReadOnly)
            for p in view_permissions
        )
        if (not view_permissions or anonymous_reads) and {} not in auths:
            auths.append({})
        return auths


class FilterExtension(DjangoFilterExtension):
    """django-filter's query parameters as drf-spectacular describes them, without
    asking whether a filter is on a GeoDjango geometry field.

    The project has none, and asking imports GeoDjango, which searches the system for
    the GDAL library: a few dozen processes (ldconfig, gcc, ld) and about a second in
    every worker's first /openapi.json when GDAL is not installed.
    """

    priority = 1  # chosen over drf-spectacular's own

    @classmethod
    def _is_gis(cls, field):
        return False


ERROR_BODY = {
    "application/json": {
        "schema": {
            "description": 'Either {"detail": "..."}, the reasons per field, or a list.',
            "oneOf": [
                {"type": "object", "additionalProperties": True},
                {"type": "array", "items": {"type": "string"}},
            ],
        }
    }
}
THROTTLED = {
    "description": "Too many requests; wait as many seconds as Retry-After says.",
    "headers": {
        "Retry-After": {
            "description": "Seconds until the next request is accepted.",
            "schema": {"type": "integer"},
        }
    },
    "content": ERROR_BODY,
}
# DRF's search refuses NUL characters (400); the document says so. (?ordering=
# ignores what it does not know, so any text is fine there.)
REFUSE_NUL = {"search"}
TEXT_WITHOUT_NUL = "^[^\\u0000]*$"


def expected_errors(operation):
    """The error status codes one operation can answer with, and why."""
    errors = {}
    parameters = operation.get("parameters", [])
    if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
        errors["400"] = "The request body or a query parameter is invalid."
    if any(scheme for scheme in operation.get("security", [])):
        errors["401"] = "Credentials are missing or wrong."
        errors["403"] = "Not allowed to do this, or the CSRF check failed."
    if any(p["in"] == "path" for p in parameters) or any(
        p["name"] == "page" for p in parameters
    ):
        errors["404"] = "No such object, or no such page of the list."
    return errors


def declare_error_responses(result, generator, request, public):
    """Add the error answers to every operation that lacks them."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in REFUSE_NUL:
                    parameter["schema"]["pattern"] = TEXT_WITHOUT_NUL
            responses = operation.setdefault("responses", {})
            for status, description in expected_errors(operation).items():
                responses.setdefault(
                    status, {"description": description, "content": ERROR_BODY}
                )
    return result
