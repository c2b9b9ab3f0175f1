"""Refusals of security services, each with a code the pages and API turn into words."""

from django.utils.translation import gettext_lazy as _

from carm.errors import CodedError

MESSAGES = {
    "not_allowed": _("You may not do this on this program account."),
    "not_a_surety": _("Only a surety's users post bonds."),
    "surety_reader": _("A reader sees the surety's bonds; its managers and editors post them."),
    # The same words whether the account exists or its importer did not invite the surety.
    "not_invited": _(
        "Your company may post a bond only for a program account whose importer invited it. "
        "Check the number, or ask the importer to invite your company."
    ),
    "amount": _("Enter an amount greater than zero, with at most two decimals."),
    "amount_too_large": _("Enter an amount of at most %(maximum)s."),
    "bond_number": _("Enter the bond number (at most 40 characters)."),
    "bond_number_taken": _("Your company already posted a bond with this number."),
    "effective_date": _(
        "The effective date cannot be more than 31 days in the past, nor before the bond's."
    ),
    "justification": _("Explain why in at least 20 characters."),
    "not_a_reduction": _(
        "The requested amount must be lower than the current requirement of %(required)s."
    ),
    "reduction_pending": _(
        "A request to lower this account's requirement is already waiting for an officer."
    ),
    "already_decided": _("This request was already decided."),
    "decision_note_needed": _("Say why the request is rejected: the importer reads it."),
    "cancelled_in_the_past": _("A bond is cancelled from today or a later day."),
    "cancelled_before_effective": _(
        "A bond is cancelled from the day it takes effect, %(date)s, or a later day."
    ),
    "already_cancelled": _("This bond is already cancelled."),
}


class SecurityError(CodedError):
    messages = MESSAGES
    # An account the surety was not invited to is answered like one that does not exist.
    statuses = {"not_a_surety": 403, "surety_reader": 403, "not_invited": 404}
