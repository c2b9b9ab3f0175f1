"""Cases pages: the account's cases and rulings, filing an appeal or a ruling request, a
case's page (timeline, documents, conversation), its documents. Thin: ask the
authorization module, read through the selectors, call the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import selectors, services
from cases.documents import document_response
from cases.errors import CaseError
from cases.forms import AppealForm, CaseFilterForm, MessageForm, RulingForm
from cases.models import Case
from delegation.permissions import Action, can, get_program_account_for
from delegation.services import access_log_viewed


@login_required
def cases(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.VIEW_CASES)
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_CASES)
    filters = CaseFilterForm(request.GET or None)
    found = selectors.cases_visible_to(request.user, account)
    if filters.is_valid():
        found = found.filter(**{k: v for k, v in filters.cleaned_data.items() if v})
    return render(
        request,
        "cases/cases.html",
        {
            "account": account,
            "cases": found,
            "filters": filters,
            "may_file": can(request.user, Action.FILE_CASE, account),
        },
    )


@login_required
def rulings(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.VIEW_CASES)
    access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_CASES)
    return render(
        request,
        "cases/rulings.html",
        {"account": account, "rulings": selectors.rulings_of(request.user, account)},
    )


def _filed(request: HttpRequest, case: Case) -> HttpResponse:
    if case.status == Case.Status.DRAFT:
        messages.info(request, _("The case is kept as a draft: send it from its page."))
    else:
        messages.success(
            request,
            _("Case %(number)s was sent to CBSA. You will be notified of each step.")
            % {"number": case.number},
        )
    return redirect("case", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.FILE_CASE)
    today = timezone.localdate()
    appealable = selectors.appealable_declarations(request.user, account, today)
    form = AppealForm(request.POST or None, request.FILES or None, appealable=appealable)
    if request.method == "POST" and form.is_valid():
        numbers = form.cleaned_data["transaction_numbers"]
        windows = {row.kind for row in appealable if row.declaration.transaction_number in numbers}
        try:
            case = services.case_file(
                actor=request.user,
                program_account=account,
                kind=Case.Kind.APPEAL_EXTENSION
                if windows == {"appeal_extension"}
                else Case.Kind.APPEAL,
                reason=form.cleaned_data["reason"],
                transaction_numbers=numbers,
                draft=form.cleaned_data["draft"],
                uploads=form.cleaned_data["documents"],
            )
        except CaseError as error:
            form.add_service_error(error)
        else:
            return _filed(request, case)
    return render(
        request,
        "cases/appeal_form.html",
        {"account": account, "form": form, "appealable": appealable, "today": today},
    )


@login_required
@require_http_methods(["GET", "POST"])
def ruling_new(request: HttpRequest, bn15: str) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.FILE_CASE)
    form = RulingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            case = services.case_file(
                actor=request.user,
                program_account=account,
                kind=Case.Kind.RULING,
                uploads=data.pop("documents"),
                **data,
            )
        except CaseError as error:
            form.add_service_error(error)
        else:
            return _filed(request, case)
    return render(request, "cases/ruling_form.html", {"account": account, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk)
    account = case.program_account
    may_act = can(request.user, Action.FILE_CASE, account)
    form = MessageForm(request.POST or None, request.FILES or None) if may_act else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.case_message_post(
                    actor=request.user,
                    case=case,
                    body=form.cleaned_data["body"],
                    uploads=form.cleaned_data["documents"],
                )
            except CaseError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("Your message was sent."))
                return redirect("case", pk=case.pk)
    access_log_viewed(
        user=request.user, program_account=account, action=Action.VIEW_CASES, what=case.number
    )
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "account": account,
            "may_act": may_act,
            "form": form,
            **selectors.case_page(case),
        },
    )


def _case_action(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk, Action.FILE_CASE)
    try:
        service(actor=request.user, case=case)
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("case", pk=case.pk)


@login_required
@require_POST
def case_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(request, pk, services.case_submit, _("The case was sent to CBSA."))


@login_required
@require_http_methods(["GET", "POST"])
def case_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first, saying what a withdrawal ends; the POST withdraws."""
    if request.method == "GET":
        case = selectors.get_case_for(request.user, pk, Action.FILE_CASE)
        if not case.may_withdraw:
            return redirect("case", pk=case.pk)
        return render(
            request,
            "includes/confirm.html",
            {
                "title": _("Withdraw case %(number)s?") % {"number": case.number},
                "consequences": [
                    _("CBSA stops working on the case, and it cannot be reopened."),
                    _(
                        "To ask again, file a new case, within its time limit: a late one may "
                        "be refused."
                    ),
                ],
                "confirm": _("Withdraw the case"),
                "back": reverse("case", args=[case.pk]),
            },
        )
    return _case_action(request, pk, services.case_withdraw, _("The case is withdrawn."))


@login_required
def document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """A document of a case, to those who may see the case; never a public URL."""
    case = selectors.get_case_for(request.user, pk)
    found = case.documents.filter(pk=document_pk).first()
    if found is None:
        raise Http404
    access_log_viewed(
        user=request.user,
        program_account=case.program_account,
        action=Action.VIEW_CASES,
        what=f"{case.number} {found.name}"[:200],
    )
    return document_response(found)
