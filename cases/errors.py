"""Refusals of the cases services, each with a code the pages and API turn into words."""

from django.utils.translation import gettext_lazy as _

from carm.errors import CodedError

MESSAGES = {
    "not_allowed": _("You may not file or follow cases on this program account."),
    "kind": _("Choose an appeal, an application for an extension or a ruling request."),
    "no_declarations": _("Choose the declarations the appeal is about."),
    "unknown_declaration": _(
        "These transaction numbers are not declarations of this program account that you "
        "may see: %(numbers)s."
    ),
    "already_appealed": _("An open appeal already covers %(numbers)s."),
    "past_appeal_window": _(
        "The 90 days to appeal have passed for %(numbers)s: apply for an extension of time "
        "instead, with the reasons for the delay."
    ),
    "within_appeal_window": _(
        "%(numbers)s can still be appealed within the 90 days: file an appeal instead."
    ),
    "past_extension_window": _(
        "More than a year has passed since the 90 days ran out for %(numbers)s: it can no "
        "longer be appealed."
    ),
    "reason": _("Explain the request in at least 20 characters."),
    "ruling_type": _("Choose the kind of ruling."),
    "goods": _("Describe the goods in at least 20 characters."),
    "classification": _("A classification number has 10 digits, for example 6109100010."),
    "status": _("This case is %(status)s: it cannot be changed that way now."),
    "already_decided": _("A decision was already rendered on this case."),
    "message": _("Write the message."),
    "due_date": _("The information is due on a day after today."),
    "file_type": _(
        "%(name)s is not a PDF, PNG, JPEG, CSV or XLSX file (its content was checked, not "
        "its name)."
    ),
    "file_size": _("%(name)s is larger than 10 MB."),
    "too_many_files": _("A case holds at most 20 documents."),
    "outcome": _("Choose the outcome."),
    "credit": _(
        "The credit for %(number)s is an amount from $0.01 to the %(disputed)s in dispute."
    ),
    "ruling_fields": _("A ruling has a text and an effective date."),
    "credits": _("Say what is allowed on at least one declaration, or deny the appeal."),
}


WINDOWS = (
    "no_declarations",
    "unknown_declaration",
    "already_appealed",
    "past_appeal_window",
    "within_appeal_window",
    "past_extension_window",
)


class CaseError(CodedError):
    messages = MESSAGES
    statuses = {"not_allowed": 403}
    fields = {
        **dict.fromkeys(WINDOWS, "transaction_numbers"),
        "reason": "reason",
        "ruling_type": "ruling_type",
        "goods": "goods_description",
        "classification": "proposed_classification",
        "message": "body",
        "file_type": "file",
        "file_size": "file",
        "too_many_files": "file",
    }
