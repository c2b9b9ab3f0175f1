"""The OpenAPI schema says every answer the API gives: the error shape of carm/api.py and
carm/failures.py on every operation, for the statuses it can answer (drf-spectacular,
"POSTPROCESSING_HOOKS")."""

ERROR = {
    "type": "object",
    "description": "Every error: what went wrong in the caller's language, and a code.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "For a 400 on a body or a filter: the messages of each field.",
            "additionalProperties": True,
        },
    },
    "required": ["detail", "code"],
}

STATUSES = {
    "400": "The request or one of its fields is refused (`errors` says which).",
    "401": "Not signed in, no valid API key, or a session that ended.",
    "403": "Signed in, but not allowed to do this on this account.",
    "404": "No such thing, or one the caller may not see (the same answer).",
    "409": "This Idempotency-Key was already used for another payment.",
    "429": "Too many requests for this key: wait and try again.",
    "503": "A data store is unavailable for a moment: try again (see Retry-After).",
}
ONLY_FOR = {"409": {"post"}}


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: the Error component, and each status on each operation that
    does not document it already."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in STATUSES.items():
                if method not in ONLY_FOR.get(status, {method}):
                    continue
                operation["responses"].setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
