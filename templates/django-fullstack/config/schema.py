"""OpenAPI document tweaks (drf-spectacular POSTPROCESSING_HOOKS).

drf-spectacular describes the successful answer of each operation; the API also
answers with errors that clients must expect. This hook declares them, so the
document matches what the API really does.
"""

ERROR_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "additionalProperties": True,
            "description": 'Either {"detail": "..."} or the reasons per field.',
        }
    }
}


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
            responses = operation.setdefault("responses", {})
            for status, description in expected_errors(operation).items():
                responses.setdefault(
                    status, {"description": description, "content": ERROR_BODY}
                )
    return result
