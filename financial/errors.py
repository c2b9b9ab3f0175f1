"""Refusals of ledger services, each with a code the pages and API turn into words."""

from django.utils.translation import gettext_lazy as _

from carm.errors import CodedError

MESSAGES = {
    "not_allowed": _("You may not do this on this program account."),
    "no_lines": _("A declaration needs at least one line."),
    "too_many_lines": _("A declaration has at most %(maximum)s lines."),
    "hs_code": _("Line %(line)s: the HS classification has 10 digits, for example 8471300000."),
    "quantity": _("Line %(line)s: the quantity must be a number greater than zero."),
    "line_too_large": _("Line %(line)s: each amount is at most %(maximum)s."),
    "total_too_large": _(
        "The total of %(total)s is more than one declaration may carry (%(maximum)s): "
        "split it into several declarations."
    ),
    "balance_too_large": _(
        "This would take the account's balance past %(maximum)s, the most the ledger holds."
    ),
    "line_amounts": _(
        "Line %(line)s: amounts are zero or more, with at most two decimals, and rates are "
        "fractions between 0 and 1 (0.065 is 6.5 %%)."
    ),
    "release_in_future": _("The release date cannot be in the future."),
    "port_of_entry": _("The port of entry is a 4-digit code, for example 0497."),
    "vendor": _("Enter the vendor."),
    "reason_code": _("Choose the reason for the change."),
    "adjustment_pending": _(
        "An adjustment to this declaration is waiting for an officer; wait for the decision."
    ),
    "already_decided": _("This change was already decided."),
    "decision_note_needed": _("Say why the adjustment is rejected: the importer reads it."),
    "idempotency_key": _(
        "Every payment needs an Idempotency-Key of 1 to 255 printable characters."
    ),
    "idempotency_conflict": _(
        "This Idempotency-Key was already used for a different payment. Use a new key."
    ),
    "amount": _("Enter an amount greater than zero, with at most two decimals."),
    "amount_too_large": _("Enter an amount of at most %(maximum)s."),
    "method": _("Choose a payment method."),
    "refund_with_debt": _(
        "A refund is issued only from a credit balance, when no debt remains on the account."
    ),
    "refund_over_credit": _("The refund cannot exceed the credit of %(credit)s."),
    "refund_open": _(
        "A refund request of %(amount)s is already waiting for CBSA on this account; wait "
        "for the decision before asking again."
    ),
    "refund_idempotency_key": _(
        "Every refund request needs an Idempotency-Key of 1 to 255 printable characters."
    ),
    "refund_idempotency_conflict": _(
        "This Idempotency-Key was already used for a different refund request. Use a new key."
    ),
    "refund_not_approved": _("Only an approved refund is issued: approve the request first."),
    "refund_already_decided": _("This refund request is already %(status)s."),
    "refund_refusal_reason": _("Give the reason for the refusal."),
    "credit_card_limit": _(
        "Credit card payments are limited to %(limit)s per billing period on a program "
        "account; %(remaining)s remains for this period."
    ),
    "chosen_not_enabled": _(
        "This account applies payments to the oldest debt first. A Business Account Manager "
        "can let payers choose the declarations they pay on the account's page."
    ),
    "payments_applied": _("Choose how the account's payments apply."),
    "chosen_unknown": _("These are not declarations of this program account: %(numbers)s."),
    "payment_returned": _("This payment was returned; it cannot be marked received."),
    "return_reason": _("Choose why the payment was returned."),
    "not_an_officer": _("Only a CBSA officer with this permission may do this."),
    "invoice_kind": _("Choose the kind of invoice."),
    "invoice_reference": _(
        "The reference has 1 to 30 letters, digits or hyphens, for example AMP-2026-000123."
    ),
    "invoice_reference_taken": _("An invoice with the reference %(reference)s already exists."),
    "invoice_due_date": _("The due date cannot be before the day the invoice is issued."),
    "invoice_cancellation_reason": _("Give the reason for the cancellation."),
    "invoice_already_cancelled": _(
        "Invoice %(reference)s was already cancelled on %(date)s; an invoice is cancelled "
        "only once."
    ),
}


class FinancialError(CodedError):
    messages = MESSAGES
    statuses = {"idempotency_conflict": 409, "refund_idempotency_conflict": 409}
