"""Refusals of the enrolment services, each with a code the pages and API turn into words."""

from django.utils.translation import gettext_lazy as _

from carm.errors import CodedError

MESSAGES = {
    "not_allowed": _("Only a Business Account Manager of the business may apply."),
    "application_open": _(
        "An application of this kind is already waiting for an officer; you will be "
        "notified when it is decided."
    ),
    "already_decided": _("This application was already decided."),
    "reason_required": _("Say why the application is refused."),
    "start_date": _(
        "The start of commercial activity is a date from 1900 on, at most a year from today."
    ),
    "already_enrolled": _("This program account already has Release Prior to Payment."),
    "not_enrolled": _("This program account does not have Release Prior to Payment."),
    "amount": _("Enter an amount greater than zero, with at most two decimals."),
    "amount_too_large": _("Enter an amount of at most %(maximum)s."),
    "not_covered": _(
        "The security posted (%(posted)s) does not yet cover the %(required)s required: "
        "approve once a bond or a cash deposit covers it."
    ),
    "range_exhausted": _("The portal's range of business numbers is used up."),
    "not_an_importer_account": _("Only import/export (RM) program accounts enrol in RPP."),
}


class EnrolmentError(CodedError):
    messages = MESSAGES
