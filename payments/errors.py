"""Refusals of the pre-authorized debit services, each with a code the pages and the
command turn into words."""

from django.utils.translation import gettext_lazy as _

from carm.errors import CodedError

MESSAGES = {
    "not_allowed": _(
        "Only a Business Account Manager of the importer may manage its pre-authorized debits."
    ),
    "institution": _("The financial institution number has 3 digits, for example 001."),
    "transit": _("The branch transit number has 5 digits, for example 12345."),
    "account_number": _("The bank account number has 5 to 12 digits."),
    "holder_name": _("Enter the name of the bank account's holder."),
    "terms": _("Read and accept the terms of the agreement to sign it."),
    "already_cancelled": _("This agreement was already cancelled."),
    "returns_file": _("This is not a CPA Standard 005 returns file: %(problem)s"),
    "unknown_debits": _(
        "The returns file names debits the portal never sent: %(references)s. Nothing was imported."
    ),
    "amount_mismatch": _(
        "The returns file's amount for %(reference)s is %(returned)s, but %(sent)s was "
        "debited. Nothing was imported."
    ),
    "reason_code": _(
        "The returns file gives reason %(code)s for %(reference)s, which is not a reason for "
        "return. Nothing was imported."
    ),
}


class PadError(CodedError):
    messages = MESSAGES
    statuses = {"not_allowed": 403}
    fields = {
        "institution": "institution",
        "transit": "transit",
        "account_number": "account_number",
        "holder_name": "holder_name",
        "terms": "accept_terms",
    }
