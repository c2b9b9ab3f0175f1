"""The kinds of notification the portal sends, with their words in both languages.

A notification stores its kind and the facts it reports; its text is written out in the
reader's language each time it is shown or emailed.
"""

from contextlib import suppress
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carm.formats import iso_day, money


class Kind(models.TextChoices):
    WELCOME = "welcome", _("Welcome")
    RPP_ANNUAL_REVIEW = "rpp_annual_review", _("RPP – Annual Review")
    RPP_SUSPENSION = "rpp_suspension", _("RPP – Suspension")
    RPP_REINSTATEMENT = "rpp_reinstatement", _("RPP – Reinstatement")
    RPP_FORECAST = "rpp_forecast", _("RPP – Security forecast")
    ACCESS_REQUEST = "access_request", _("Access request")
    ACCESS_GRANTED = "access_granted", _("Access granted")
    ACCESS_REFUSED = "access_refused", _("Access refused")
    THIRD_PARTY_REQUEST = "third_party_request", _("Third-party request")
    THIRD_PARTY_APPROVED = "third_party_approved", _("Third-party request approved")
    THIRD_PARTY_REJECTED = "third_party_rejected", _("Third-party request rejected")
    THIRD_PARTY_CHANGED = "third_party_changed", _("Third-party access changed")
    THIRD_PARTY_REVOKED = "third_party_revoked", _("Third-party access revoked")
    STATEMENT_AVAILABLE = "statement_available", _("Statement available")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    PAYMENT_RETURNED = "payment_returned", _("Payment returned")
    PAD_AGREEMENT = "pad_agreement", _("Pre-authorized debit agreement")
    REFUND_STATUS = "refund_status", _("Refund")
    REFUND_REQUESTED = "refund_requested", _("Refund requested")
    REFUND_APPROVED = "refund_approved", _("Refund approved")
    REFUND_REFUSED = "refund_refused", _("Refund refused")
    REFUND_ISSUED = "refund_issued", _("Refund issued")
    ARREARS_NOTICE = "arrears_notice", _("Arrears notice")
    ADJUSTMENT_DECISION = "adjustment_decision", _("Adjustment decision")
    REDUCTION_DECISION = "reduction_decision", _("Reduction decision")
    APPLICATION_RECEIVED = "application_received", _("Application received")
    APPLICATION_REFUSED = "application_refused", _("Application refused")
    BUSINESS_NUMBER_ISSUED = "business_number_issued", _("Business number issued")
    PROGRAM_ACCOUNT_OPENED = "program_account_opened", _("Program account opened")
    RPP_ENROLLED = "rpp_enrolled", _("RPP – Enrolment")
    RPP_LEFT = "rpp_left", _("RPP – Withdrawal")
    INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
    INVOICE_CANCELLED = "invoice_cancelled", _("Invoice cancelled")
    CASE_STATUS = "case_status", _("Case status")
    CASE_MESSAGE = "case_message", _("Message on a case")
    CASE_REMINDER = "case_reminder", _("Case – information due")
    CASE_DECISION = "case_decision", _("Case decision")
    SURETY_INVITED = "surety_invited", _("Surety invitation")
    SURETY_INVITATION_WITHDRAWN = "surety_invitation_withdrawn", _("Surety invitation withdrawn")
    MESSAGE = "message", pgettext_lazy("notification kind", "Message")


# What each kind says. Placeholders are filled from the notification's context; a kind
# without an entry shows the context's "message".
BODIES = {
    Kind.WELCOME: _(
        "Welcome to the CARM Portal. Set up your business or ask your employer for access "
        "to see program accounts, statements and financial security."
    ),
    Kind.RPP_ANNUAL_REVIEW: _(
        "The annual review raised the financial security required for program account "
        "%(account)s from %(previous)s to %(required)s. Post the new amount no later than "
        "%(effective_date)s to keep your Release Prior to Payment privileges."
    ),
    Kind.RPP_SUSPENSION: _(
        "Release Prior to Payment privileges are suspended for program account %(account)s: "
        "posted security %(posted)s is below the required %(required)s."
    ),
    Kind.RPP_REINSTATEMENT: _(
        "Release Prior to Payment privileges are reinstated for program account %(account)s."
    ),
    Kind.RPP_FORECAST: _(
        "At this pace, the annual review of %(review_date)s will require a bond of "
        "%(forecast)s for program account %(account)s, more than the %(posted)s posted. "
        "Talk to your surety now to avoid a shortfall on January 15."
    ),
    Kind.ACCESS_REQUEST: _("%(requester)s asks for access to %(business)s."),
    Kind.ACCESS_GRANTED: _("Your access to %(business)s was approved with the role %(role)s."),
    Kind.ACCESS_REFUSED: _("Your request for access to %(business)s was refused."),
    Kind.THIRD_PARTY_REQUEST: _("%(provider)s asks for a business relationship with %(business)s."),
    Kind.THIRD_PARTY_APPROVED: _(
        "%(business)s approved the business relationship with %(provider)s."
    ),
    Kind.THIRD_PARTY_REJECTED: _(
        "%(business)s rejected the business relationship requested by %(provider)s."
    ),
    Kind.THIRD_PARTY_CHANGED: _("%(business)s changed what %(provider)s may see and do for it."),
    Kind.THIRD_PARTY_REVOKED: _(
        "%(business)s revoked its business relationship with %(provider)s."
    ),
    Kind.STATEMENT_AVAILABLE: _(
        "The statement of account for %(account)s dated %(statement_date)s is available."
    ),
    Kind.PAYMENT_RECEIVED: _("A payment of %(amount)s was received for %(account)s."),
    Kind.PAYMENT_RETURNED: _(
        "The payment of %(amount)s for %(account)s was returned: %(reason)s. What it paid is "
        "owed again."
    ),
    Kind.PAD_AGREEMENT: _(
        "The pre-authorized debit agreement for %(account)s from the bank account ending "
        "%(last_digits)s is now %(status)s."
    ),
    Kind.REFUND_STATUS: _("The refund of %(amount)s requested for %(account)s is %(status)s."),
    Kind.REFUND_REQUESTED: _(
        "%(requester)s asked CBSA to refund %(amount)s of the credit on program account "
        "%(account)s. An officer will review the request; you will be told of the decision."
    ),
    Kind.REFUND_APPROVED: _(
        "CBSA approved the refund of %(amount)s on program account %(account)s. It will be "
        "issued shortly."
    ),
    Kind.REFUND_REFUSED: _(
        "CBSA refused the refund of %(amount)s on program account %(account)s: %(refusal)s"
    ),
    Kind.REFUND_ISSUED: _(
        "CBSA issued the refund of %(amount)s on program account %(account)s. It appears in "
        "the transaction history."
    ),
    Kind.ARREARS_NOTICE: _(
        "%(amount)s is more than 30 days overdue on program account %(account)s."
    ),
    Kind.ADJUSTMENT_DECISION: _(
        "The adjustment to transaction %(transaction_number)s was %(decision)s."
    ),
    Kind.REDUCTION_DECISION: _(
        "Your request to lower the financial security of %(account)s was %(decision)s."
    ),
    Kind.APPLICATION_RECEIVED: _(
        "Your application for %(application)s for %(business)s was received. An officer "
        "will review it; you will be notified of the decision."
    ),
    Kind.APPLICATION_REFUSED: _(
        "Your application for %(application)s for %(business)s was refused: %(reason)s"
    ),
    Kind.BUSINESS_NUMBER_ISSUED: _(
        "%(business)s now has business number %(bn9)s, and you are its Business Account "
        "Manager. Open its import/export program account from your home page."
    ),
    Kind.PROGRAM_ACCOUNT_OPENED: _(
        "Import/export program account %(account)s is open for %(business)s."
    ),
    Kind.RPP_ENROLLED: _(
        "Program account %(account)s now has Release Prior to Payment privileges."
    ),
    Kind.RPP_LEFT: _(
        "Program account %(account)s no longer has Release Prior to Payment: its "
        "declarations are paid before release."
    ),
    Kind.INVOICE_ISSUED: _(
        "CBSA issued invoice %(reference)s on program account %(account)s: "
        "%(invoice_kind)s, %(amount)s, due %(due_date)s."
    ),
    Kind.CASE_STATUS: _("Case %(case)s is now: %(status)s."),
    Kind.CASE_MESSAGE: _("A CBSA officer wrote on case %(case)s."),
    Kind.CASE_REMINDER: _(
        "The information CBSA asked for on case %(case)s is due on %(due_date)s."
    ),
    Kind.CASE_DECISION: _("A decision was rendered on case %(case)s: %(outcome)s."),
    Kind.INVOICE_CANCELLED: _(
        "CBSA cancelled invoice %(reference)s of %(amount)s on program account %(account)s; "
        "it is no longer owed."
    ),
    Kind.SURETY_INVITED: _(
        "%(business)s invites your company to post financial security (a surety bond) for "
        "program account %(account)s."
    ),
    Kind.SURETY_INVITATION_WITHDRAWN: _(
        "%(business)s withdrew its invitation to post financial security for program "
        "account %(account)s. Bonds already posted stay until cancelled."
    ),
}


DECISIONS = {"approved": _("approved"), "rejected": _("rejected")}
# A case's statuses and outcomes, as the cases app names them.
CASE_STATUSES = {
    "draft": _("draft"),
    "submitted": _("submitted"),
    "assigned": _("assigned to an officer"),
    "information_requested": _("information requested"),
    "decision_rendered": _("decision rendered"),
    "withdrawn": _("withdrawn"),
}
# A refund's and a pre-authorized debit agreement's statuses, as the payments app names them.
PAYMENT_STATUSES = {
    "requested": _("requested"),
    "approved": _("approved"),
    "issued": _("issued"),
    "refused": _("refused"),
    "active": _("active"),
    "cancelled": _("cancelled"),
}
CASE_OUTCOMES = {
    "allowed": _("allowed"),
    "allowed_in_part": _("allowed in part"),
    "denied": _("denied"),
    "ruling": _("ruling rendered"),
}
# What an application asks for, named in the notification's words.
APPLICATIONS = {
    "business_number": _("a business number"),
    "program_account": _("an import/export program account"),
    "rpp_enrol": _("Release Prior to Payment"),
    "rpp_leave": _("leaving Release Prior to Payment"),
}


# Facts stored as plain amounts ("17609.00"), written as money in the reader's language.
MONEY_FACTS = ("amount", "previous", "required", "posted", "forecast")
# Facts stored as ISO days ("2026-11-25"), written as days in the reader's language.
DATE_FACTS = ("statement_date", "effective_date", "review_date", "due_date")


def _in_words(context: dict) -> dict:
    """Facts stored as codes (a role, a decision), plain amounts or ISO days are written
    out in the active language. (Notifications stored before amounts were, as "$5,000",
    stay so.)"""
    for name in MONEY_FACTS:
        with suppress(InvalidOperation, TypeError, KeyError):
            context = {**context, name: money(Decimal(context[name]))}
    for name in DATE_FACTS:
        if isinstance(context.get(name), str):
            context = {**context, name: iso_day(context[name])}
    if context.get("decision") in DECISIONS:
        context = {**context, "decision": str(DECISIONS[context["decision"]])}
    if context.get("status") in CASE_STATUSES:
        context = {**context, "status": str(CASE_STATUSES[context["status"]])}
    if context.get("status") in PAYMENT_STATUSES:
        context = {**context, "status": str(PAYMENT_STATUSES[context["status"]])}
    if context.get("outcome") in CASE_OUTCOMES:
        context = {**context, "outcome": str(CASE_OUTCOMES[context["outcome"]])}
    if context.get("application") in APPLICATIONS:
        context = {**context, "application": str(APPLICATIONS[context["application"]])}
    if "role" in context:
        from accounts.models import Role

        with suppress(ValueError):
            context = {**context, "role": Role(context["role"]).label}
    if "reason" in context:
        from financial.models import Payment

        with suppress(ValueError):
            context = {**context, "reason": Payment.ReturnReason(context["reason"]).label}
    if "invoice_kind" in context:
        from financial.models import Invoice

        with suppress(ValueError):
            context = {**context, "invoice_kind": Invoice.Kind(context["invoice_kind"]).label}
    return context


def render_body(kind: str, context: dict) -> str:
    """The notification's text in the active language; missing facts never break a page."""
    template = BODIES.get(kind)
    if template is None:
        return str(context.get("message", ""))
    try:
        body = str(template) % _in_words(context)
    except (KeyError, TypeError, ValueError):
        return str(template)
    if context.get("note"):  # an officer's word on a decision
        body += " " + _("The officer's note: %(note)s") % {"note": context["note"]}
    return body
