"""A case's document as an HTTP response, for pages and API alike: an attachment with the
name it was given, the type read from its content, never cached."""

from django.http import FileResponse

from cases.models import CaseDocument


def document_response(found: CaseDocument) -> FileResponse:
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
