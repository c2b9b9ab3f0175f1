"""The pre-authorized debit pages: the agreement in force, its history and the debits
taken; signing a new agreement; cancelling one. Only the importer's Business Account
Manager sees it: bank details are never shown to a third party (docs/rules.md §13)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carm import crypto
from carm.reauth import password_again
from delegation.permissions import Action, get_program_account_for
from payments import selectors, services
from payments.errors import PadError
from payments.forms import PadAgreementForm
from payments.models import PadAgreement

# A form sent when the password had to be typed again waits here, encrypted, so what was
# entered is not lost on the way through the password page.
DRAFT = "pad_agreement_draft"


def _draft(request: HttpRequest, bn15: str) -> dict | None:
    token = request.session.pop(DRAFT, None)
    if not token:
        return None
    try:
        draft = json.loads(crypto.decrypt(token))
    except (crypto.InvalidToken, ValueError):
        return None
    return draft["fields"] if draft.get("bn15") == bn15 else None


@login_required
def pad_agreement(request: HttpRequest, bn15: str) -> HttpResponse:
    """The agreement in force, the earlier ones and the debits taken."""
    account = get_program_account_for(request.user, bn15, Action.MANAGE_BANKING)
    agreements = list(selectors.agreements_of(account))
    return render(
        request,
        "payments/pad_agreement.html",
        {
            "account": account,
            "in_force": next((a for a in agreements if a.in_force), None),
            "agreements": agreements,
            "debits": selectors.pad_debits_of(account)[:24],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pad_agreement_new(request: HttpRequest, bn15: str) -> HttpResponse:
    """Sign an agreement (replacing the one in force): the password is asked again
    first, and again on sending if it has been too long since."""
    account = get_program_account_for(request.user, bn15, Action.MANAGE_BANKING)
    if request.method == "POST":
        form = PadAgreementForm(request.POST)
        if form.is_valid():
            if again := password_again(request, request.path):
                fields = {name: request.POST.get(name, "") for name in form.fields}
                request.session[DRAFT] = crypto.encrypt(
                    json.dumps({"bn15": account.bn15, "fields": fields})
                )
                return again
            try:
                services.pad_agreement_sign(
                    actor=request.user, program_account=account, **form.agreement()
                )
            except PadError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    _(
                        "The pre-authorized debit agreement is signed. Statements are debited "
                        "on their due date from now on."
                    ),
                )
                return redirect("pad_agreement", bn15=account.bn15)
    else:
        if again := password_again(request, request.path):
            return again
        draft = _draft(request, account.bn15)
        form = PadAgreementForm(draft) if draft else PadAgreementForm()
    return render(
        request,
        "payments/pad_agreement_form.html",
        {
            "account": account,
            "form": form,
            "replaces": selectors.agreements_of(account).filter(cancelled_at__isnull=True).first(),
            "terms_version": PadAgreement.TERMS_VERSION,
        },
    )


@login_required
@require_POST
def pad_agreement_cancel(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.MANAGE_BANKING)
    agreement = selectors.agreements_of(account).filter(pk=pk).first()
    if agreement is None:
        raise Http404
    try:
        services.pad_agreement_cancel(actor=request.user, agreement=agreement)
    except PadError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The agreement is cancelled. No statement is debited from this bank account now."),
        )
    return redirect("pad_agreement", bn15=account.bn15)
