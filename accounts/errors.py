"""Refusals of account services, each with a code the pages and API turn into words."""

from django.utils.translation import gettext_lazy as _

from carm.errors import CodedError

# How identifiers typed by people are refused (accounts.identifiers' codes).
IDENTIFIER_MESSAGES = {
    "bn9_format": _("A business number has 9 digits, for example 123456782."),
    "bn9_check_digit": _("This business number is not valid: check its last digit."),
    "bn15_format": _(
        "A program account number has 15 characters: the 9-digit business number, "
        "2 letters and 4 digits, for example 123456782RM0001."
    ),
    "bn15_check_digit": _(
        "The business number in this program account number is not valid: check its 9th digit."
    ),
}

# Giving access to program accounts, to employees or to a third party.
GRANT_MESSAGES = {
    "request_decided": _("This request was already answered."),
    "scope_required": _("Choose at least one program account."),
    "scope_not_grantable": _("You can only give access to program accounts you manage."),
}

MESSAGES = {
    **IDENTIFIER_MESSAGES,
    **GRANT_MESSAGES,
    "unknown_business": _("CBSA has no business with this business number."),
    "account_mismatch": _(
        "This program account does not belong to this business number in CBSA records."
    ),
    "name_mismatch": _("The legal name does not match CBSA records for this business number."),
    "affinity_answer_one": _("Answer the question."),
    "affinity_answer_two": _("Answer at least two of the questions."),
    "affinity_mismatch": _(
        "At least one of your answers does not match CBSA records for this program account. "
        "Check your answers and try again."
    ),
    "statement_balance_zero": _(
        "A balance of $0.00 cannot be used. Choose a statement whose balance is not $0.00."
    ),
    "already_managed": _(
        "This business is already registered and has a Business Account Manager. "
        "Ask them for access instead."
    ),
    "already_member": _("You already have access to this business."),
    "request_pending": _("You already asked for access to this business; it is still pending."),
    "too_many_attempts": _("Too many failed attempts. For your security, try again in an hour."),
    "role_not_grantable": _("You cannot give a role stronger than your own."),
    "last_bam": _(
        "A business must keep at least one Business Account Manager. Make someone else a "
        "Business Account Manager first."
    ),
    "not_manageable": _("You cannot change this person's access."),
    "api_key_invalid": _("This API key is not valid."),
    "api_key_revoked": _("This API key was revoked."),
    "api_key_expired": _("This API key has expired."),
}


class AccountsError(CodedError):
    messages = MESSAGES
