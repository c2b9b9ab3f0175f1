from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carm.db import replica_read
from carm.formats import money
from carm.forms import date_in_range
from delegation.permissions import (
    Action,
    can,
    employee_role,
    get_program_account_for,
)
from delegation.services import access_log_viewed
from financial import selectors, services
from financial.calculation import MAX_LINES, positive_cents
from financial.calendar import billing_period
from financial.documents import (
    receipt_pdf_response,
    statement_csv_response,
    statement_pdf_response,
    transactions_csv_response,
)
from financial.errors import FinancialError
from financial.forms import (
    CorrectionForm,
    DeclarationForm,
    HistoryFilterForm,
    LineFormSet,
    PaymentForm,
    PaymentsAppliedForm,
    RefundRequestForm,
    line_initial,
)
from financial.models import DeclarationVersion, Invoice, Payment

PAGE_SIZE = 50


def _keyset(rows, cursor: str, moment_field: str = "posted_at"):
    """Rows after the cursor `<moment ISO>|<id>`, newest first. The plain bound on the
    moment lets the (account, moment, id) index start right there: the same cost at any
    depth."""
    text, _, pk = cursor.partition("|")
    try:
        moment = parse_datetime(text) if text else None
    except ValueError:  # a well-formed moment that is none, such as an offset of +99:00
        moment = None
    if moment is None or not (pk.isascii() and pk.isdigit()):
        return rows
    return rows.filter(**{f"{moment_field}__lte": moment}).filter(
        Q(**{f"{moment_field}__lt": moment}) | Q(**{moment_field: moment, "pk__lt": int(pk)})
    )


def _page(request: HttpRequest, rows, moment_field: str) -> tuple[list, str | None]:
    """One page of rows after the request's cursor, and the query of the next page (None
    on the last)."""
    page = list(_keyset(rows, request.GET.get("after", ""), moment_field)[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    if not more:
        return page, None
    query = request.GET.copy()
    query["after"] = f"{getattr(page[-1], moment_field).isoformat()}|{page[-1].pk}"
    return page, query.urlencode()


def _history_page(request: HttpRequest, postings, *, sees_money: bool):
    """The history's rows, and the payments they record when the user sees money: the
    page's heavy read (on the replica when there is one, carm/db.py)."""
    page, next_query = _page(request, postings, "posted_at")
    if sees_money:
        selectors.with_payment_ids(page)
    return page, next_query


@login_required
def transactions(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.VIEW_OWN_TRANSACTIONS)
    access_log_viewed(
        user=request.user, program_account=account, action=Action.VIEW_OWN_TRANSACTIONS
    )
    form = HistoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    postings = selectors.history(request.user, account, **{k: v for k, v in filters.items() if v})
    if request.GET.get("format") == "csv":
        return transactions_csv_response(account, postings, request=request)
    sees_money = can(request.user, Action.VIEW_STATEMENTS, account)
    page, next_query = replica_read(
        lambda: _history_page(request, postings, sees_money=sees_money), request=request
    )
    csv_query = request.GET.copy()
    csv_query.pop("after", None)
    csv_query["format"] = "csv"
    return render(
        request,
        "financial/transactions.html",
        {
            "account": account,
            "form": form,
            "postings": page,
            # Row links are these prefixes plus the row's date or number: one reverse()
            # a page instead of two a row.
            "daily_notice_url": reverse("daily_notice", args=[account.bn15, "0"])[:-2],
            "declaration_url": reverse("declaration", args=["0"])[:-2],
            "payment_url": reverse("payment", args=[account.bn15, 0])[:-2],
            "next_query": next_query,
            "csv_query": csv_query.urlencode(),
            "balance": selectors.account_balance(account) if sees_money else None,
            # Beside rows filtered to what the user filed, others' payments stay out too.
            "pending": selectors.pending_payments_total(account)
            if sees_money and can(request.user, Action.VIEW_OTHERS_TRANSACTIONS, account)
            else None,
        },
    )


@login_required
def daily_notice(request: HttpRequest, bn15: str, day: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.VIEW_OWN_TRANSACTIONS)
    date = date_in_range(day)
    if date is None:
        raise Http404
    access_log_viewed(
        user=request.user, program_account=account, action=Action.VIEW_OWN_TRANSACTIONS
    )
    postings = selectors.history(request.user, account, posted_after=date, posted_before=date)
    return render(
        request,
        "financial/daily_notice.html",
        {
            "account": account,
            "day": date,
            "postings": postings,
            "total": sum(p.amount for p in postings),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def declaration_new(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.FILE_DECLARATION)
    access_log_viewed(user=request.user, program_account=account)
    form = DeclarationForm(request.POST or None)
    lines = LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and "add_line" in request.POST:
        lines = _with_one_more_line(request, lines)
    elif request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            declaration = services.declaration_file(
                actor=request.user,
                program_account=account,
                lines=[line.as_line() for line in lines if line.cleaned_data],
                **form.cleaned_data,
            )
        except FinancialError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Declaration %(number)s is filed: %(total)s in duties and taxes.")
                % {"number": declaration.transaction_number, "total": money(declaration.total)},
            )
            if declaration.late:
                messages.warning(
                    request, _("It was filed more than 5 business days after release.")
                )
            return redirect("declaration", transaction_number=declaration.transaction_number)
    return render(
        request,
        "financial/declaration_form.html",
        {"account": account, "form": form, "lines": lines},
    )


def _with_one_more_line(request: HttpRequest, lines):
    """The same formset with a blank line added, keeping everything already typed (none
    past the most a declaration has; a count that is not one is the formset's error)."""
    count = request.POST.get("lines-TOTAL_FORMS", "1")
    if not (count.isascii() and count.isdigit()) or int(count) >= MAX_LINES:
        return lines
    data = request.POST.copy()
    data["lines-TOTAL_FORMS"] = str(int(count) + 1)
    fresh = LineFormSet(data, prefix="lines")
    fresh._errors = []  # nothing was submitted yet: show no errors
    for line in fresh.forms:
        line._errors = {}
    return fresh


@login_required
def declaration_detail(request: HttpRequest, transaction_number: str) -> HttpResponse:
    declaration = selectors.get_declaration_for(request.user, transaction_number)
    account = declaration.program_account
    access_log_viewed(user=request.user, program_account=account, what=transaction_number)
    paid_by, owed = None, None
    if can(request.user, Action.VIEW_STATEMENTS, account):
        paid_by, owed = selectors.declaration_applications(declaration)
    return render(
        request,
        "financial/declaration.html",
        {
            "declaration": declaration,
            "versions": declaration.versions.prefetch_related("lines").select_related("created_by"),
            "may_correct": can(request.user, Action.CORRECT_DECLARATION, account),
            "paid_by": paid_by,
            "owed": owed,
            "payment_url": reverse("payment", args=[account.bn15, 0])[:-2],
            "invoice_url": reverse("invoice", args=[account.bn15, 0])[:-2],
            "statement_url": reverse("statement", args=[account.bn15, "0"])[:-2],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def declaration_correct(request: HttpRequest, transaction_number: str) -> HttpResponse:
    declaration = selectors.get_declaration_for(
        request.user, transaction_number, Action.CORRECT_DECLARATION
    )
    access_log_viewed(
        user=request.user, program_account=declaration.program_account, what=transaction_number
    )
    current = declaration.versions.filter(status=DeclarationVersion.Status.APPROVED).last()
    form = CorrectionForm(request.POST or None)
    lines = LineFormSet(request.POST or None, prefix="lines", initial=line_initial(current))
    if request.method == "POST" and "add_line" in request.POST:
        lines = _with_one_more_line(request, lines)
    elif request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            version = services.declaration_correct(
                actor=request.user,
                declaration=declaration,
                lines=[line.as_line() for line in lines if line.cleaned_data],
                **form.cleaned_data,
            )
        except FinancialError as error:
            form.add_error(None, error.message)
        else:
            if version.status == DeclarationVersion.Status.APPROVED:
                messages.success(request, _("The correction is approved and posted."))
            else:
                messages.info(
                    request, _("The adjustment is waiting for a CBSA officer's decision.")
                )
            return redirect("declaration", transaction_number=transaction_number)
    return render(
        request,
        "financial/correction_form.html",
        {"declaration": declaration, "form": form, "lines": lines},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.PAY)
    access_log_viewed(user=request.user, program_account=account)
    provider_payments = []
    if employee_role(request.user, account) is not None:
        period_start, _end = billing_period(timezone.localdate())
        provider_payments = list(selectors.third_party_payments_since(account, period_start))
    # "Pay this invoice" comes here with the amount that pays it off.
    prefilled = positive_cents(request.GET.get("amount", ""))
    payable = []
    if account.payments_applied == account.PaymentsApplied.CHOSEN:
        payable = selectors.declarations_owing(request.user, account)
    form = PaymentForm(
        request.POST or None,
        provider_paid=bool(provider_payments),
        payable=[(debt.transaction_number, money(debt.unpaid)) for debt in payable],
        initial={"amount": prefilled} if prefilled else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment, _created = services.payment_create(
                actor=request.user, program_account=account, **form.payment()
            )
        except FinancialError as error:
            form.add_error(None, error.message)
        else:
            if payment.status == Payment.Status.SETTLED:
                text = _("Payment of %(amount)s received.")
            else:
                text = _(
                    "Payment of %(amount)s sent: it is pending until the money reaches CBSA, "
                    "and the balance does not include it until then."
                )
            messages.success(request, text % {"amount": money(payment.amount)})
            if can(request.user, Action.VIEW_STATEMENTS, account):
                return redirect("payment", bn15=bn15, pk=payment.pk)
            return redirect("transactions", bn15=bn15)
    sees_balance = can(request.user, Action.VIEW_STATEMENTS, account)
    return render(
        request,
        "financial/pay.html",
        {
            "account": account,
            "form": form,
            "provider_payments": provider_payments,
            "card_limit": Payment.CREDIT_CARD_LIMIT,
            "card_remaining": selectors.card_remaining(account, timezone.localdate()),
            "chooses": account.payments_applied == account.PaymentsApplied.CHOSEN,
            "balance": selectors.account_balance(account) if sees_balance else None,
            "pending": selectors.pending_payments_total(account) if sees_balance else None,
        },
    )


# --- Payments and their receipts ------------------------------------------------------------


@login_required
def payments(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.VIEW_STATEMENTS)
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_STATEMENTS)
    page, next_query = _page(
        request, selectors.payments_visible_to(request.user, account), "created_at"
    )
    return render(
        request,
        "financial/payments.html",
        {
            "account": account,
            "payments": page,
            "next_query": next_query,
            # Row links are this prefix plus the payment's id: one reverse() a page.
            "payment_url": reverse("payment", args=[account.bn15, 0])[:-2],
            "balance": selectors.account_balance(account),
            "pending": selectors.pending_payments_total(account),
            "may_pay": can(request.user, Action.PAY, account),
            "may_choose": can(request.user, Action.MANAGE_BANKING, account),
            "chooses": account.payments_applied == account.PaymentsApplied.CHOSEN,
        },
    )


@login_required
def payment_detail(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    account, payment = selectors.get_payment_for(request.user, bn15, pk)
    access_log_viewed(
        user=request.user,
        program_account=account,
        action=Action.VIEW_STATEMENTS,
        what=payment.receipt_number,
    )
    selectors.with_applications([payment])
    return render(
        request,
        "financial/payment.html",
        {
            "account": account,
            "payment": payment,
            "timeline": selectors.payment_timeline(payment),
            "applications": payment.applications,
            "unapplied": payment.unapplied,
            "chosen": payment.chosen.order_by("transaction_number"),
            "invoice_url": reverse("invoice", args=[account.bn15, 0])[:-2],
            "declaration_url": reverse("declaration", args=["0"])[:-2],
            "statement_url": reverse("statement", args=[account.bn15, "0"])[:-2],
        },
    )


@login_required
def payment_receipt_pdf(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    account, payment = selectors.get_payment_for(request.user, bn15, pk)
    if not payment.has_receipt:
        raise Http404
    access_log_viewed(
        user=request.user,
        program_account=account,
        action=Action.VIEW_STATEMENTS,
        what=payment.receipt_number,
    )
    return receipt_pdf_response(account, payment, selectors.payment_applications(payment))


@login_required
@require_http_methods(["GET", "POST"])
def payments_applied(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.MANAGE_BANKING)
    access_log_viewed(user=request.user, program_account=account, action=Action.MANAGE_BANKING)
    form = PaymentsAppliedForm(request.POST or None, initial={"applied": account.payments_applied})
    if request.method == "POST" and form.is_valid():
        try:
            services.payments_applied_set(
                actor=request.user, program_account=account, **form.cleaned_data
            )
        except FinancialError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("How payments apply is saved."))
            return redirect("payments", bn15=bn15)
    return render(request, "financial/payments_applied.html", {"account": account, "form": form})


# --- Statements of Account ----------------------------------------------------------------


@login_required
def statements(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.VIEW_STATEMENTS)
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_STATEMENTS)
    return render(
        request,
        "financial/statements.html",
        {"account": account, "statements": selectors.statements_visible_to(request.user, account)},
    )


@login_required
def statement_detail(request: HttpRequest, bn15: str, period_end: str) -> HttpResponse:
    account, statement = selectors.get_statement_for(request.user, bn15, period_end)
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_STATEMENTS)
    # "Pay this statement": what is still owed of it, never more than the account owes now.
    to_pay = None
    if can(request.user, Action.PAY, account):
        to_pay = selectors.still_owed(statement.total_payable, selectors.account_balance(account))
    return render(
        request,
        "financial/statement.html",
        {
            "account": account,
            "statement": statement,
            "to_pay": to_pay,
            "invoice_events": selectors.statement_invoice_events(statement),
            "invoice_url": reverse("invoice", args=[account.bn15, 0])[:-2],
        },
    )


@login_required
def statement_pdf(request: HttpRequest, bn15: str, period_end: str) -> HttpResponse:
    account, statement = selectors.get_statement_for(request.user, bn15, period_end)
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_STATEMENTS)
    return replica_read(lambda: statement_pdf_response(account, statement), request=request)


@login_required
def statement_csv(request: HttpRequest, bn15: str, period_end: str) -> HttpResponse:
    account, statement = selectors.get_statement_for(request.user, bn15, period_end)
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_STATEMENTS)
    return replica_read(lambda: statement_csv_response(account, statement), request=request)


# --- Invoices -------------------------------------------------------------------------------


@login_required
def invoices(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.VIEW_STATEMENTS)
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_STATEMENTS)
    rows = selectors.with_invoice_status(
        selectors.invoices_visible_to(request.user, account), timezone.localdate()
    )
    return render(
        request,
        "financial/invoices.html",
        {
            "account": account,
            "invoices": rows,
            # Row links are this prefix plus the invoice's id: one reverse() a page.
            "invoice_url": reverse("invoice", args=[account.bn15, 0])[:-2],
        },
    )


@login_required
def invoice_detail(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    account, invoice = selectors.get_invoice_for(request.user, bn15, pk)
    access_log_viewed(
        user=request.user,
        program_account=account,
        action=Action.VIEW_STATEMENTS,
        what=invoice.reference,
    )
    selectors.with_invoice_status([invoice], timezone.localdate())
    payable = invoice.status in (Invoice.Status.OUTSTANDING, Invoice.Status.OVERDUE)
    return render(
        request,
        "financial/invoice.html",
        {
            "account": account,
            "invoice": invoice,
            "may_pay": payable and can(request.user, Action.PAY, account),
            "older_debt": invoice.to_settle - invoice.unpaid,
        },
    )


# --- Refunds --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def refunds(request: HttpRequest, bn15: str) -> HttpResponse:
    """The account's refund requests and, for its Business Account Managers, the form that
    asks for one (docs/rules.md §14)."""
    account = get_program_account_for(request.user, bn15, Action.VIEW_STATEMENTS)
    may_request = can(request.user, Action.MANAGE_BANKING, account)
    if request.method == "POST" and not may_request:
        raise PermissionDenied
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_STATEMENTS)
    rows = list(selectors.refunds_visible_to(request.user, account))
    waiting = next((refund for refund in rows if refund.is_open), None)
    credit = selectors.refundable(account)
    form = None
    if may_request:
        form = RefundRequestForm(request.POST or None, initial={"amount": credit or None})
        if request.method == "POST" and form.is_valid():
            try:
                refund, _created = services.refund_request_create(
                    actor=request.user, program_account=account, **form.cleaned_data
                )
            except FinancialError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    _("Your request for a refund of %(amount)s is sent to CBSA.")
                    % {"amount": money(refund.amount)},
                )
                return redirect("refund", bn15=account.bn15, pk=refund.pk)
    return render(
        request,
        "financial/refunds.html",
        {
            "account": account,
            "refunds": rows,
            "waiting": waiting,
            "credit": credit,
            "form": form,
            # The form waits with the request, unless a refusal is to be read on it.
            "show_form": form is not None and (waiting is None or bool(form.errors)),
            # Row links are this prefix plus the request's id: one reverse() a page.
            "refund_url": reverse("refund", args=[account.bn15, 0])[:-2],
        },
    )


@login_required
def refund_detail(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    account, refund = selectors.get_refund_for(request.user, bn15, pk)
    access_log_viewed(
        user=request.user,
        program_account=account,
        action=Action.VIEW_STATEMENTS,
        what=refund.reference,
    )
    return render(request, "financial/refund.html", {"account": account, "refund": refund})
