from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carm.reauth import password_again
from delegation import selectors, services
from delegation.errors import DelegationError
from delegation.forms import (
    ClientGroupForm,
    ClientGroupMembersForm,
    RelationshipRequestForm,
    RelationshipTermsForm,
    SuretyInviteForm,
)
from delegation.models import Relationship
from delegation.permissions import (
    Action,
    bond_issuer_for,
    get_business_for,
    get_program_account_for,
    get_provider_for,
    grantable_accounts,
    may_manage_relationship,
    surety_of,
)

# --- Importer side -------------------------------------------------------------------------


@login_required
def third_parties(request: HttpRequest, bn9: str) -> HttpResponse:
    importer = get_business_for(request.user, bn9, manage=True)
    relationships = selectors.importer_relationships(request.user, importer)
    return render(
        request,
        "delegation/third_parties.html",
        {
            "business": importer,
            "rows": [(r, may_manage_relationship(request.user, r)) for r in relationships],
        },
    )


def _managed_relationship(request: HttpRequest, bn9: str, pk: int) -> Relationship:
    importer = get_business_for(request.user, bn9, manage=True)
    relationship = (
        importer.provider_relationships.filter(pk=pk).select_related("provider", "importer").first()
    )
    if relationship is None:
        raise Http404
    if not may_manage_relationship(request.user, relationship):
        raise PermissionDenied
    return relationship


@login_required
@require_http_methods(["GET", "POST"])
def relationship_terms(request: HttpRequest, bn9: str, pk: int) -> HttpResponse:
    """Approve a pending relationship, or change one in force."""
    relationship = _managed_relationship(request, bn9, pk)
    if relationship.status not in (Relationship.Status.PENDING, Relationship.Status.ACTIVE):
        raise Http404
    if again := password_again(request, request.path):
        return again
    initial = {
        "level": relationship.level,
        "sees_others_transactions": relationship.sees_others_transactions,
        "sees_statements": relationship.sees_statements,
        "sees_security": relationship.sees_security,
        "sees_cases": relationship.sees_cases,
        "ends_on": relationship.ends_on,
        "program_accounts": relationship.program_accounts.all(),
    }
    form = RelationshipTermsForm(
        request.POST or None,
        initial=initial,
        relationship=relationship,
        accounts=grantable_accounts(request.user, relationship.importer).order_by("bn15"),
    )
    if request.method == "POST" and form.is_valid():
        terms = dict(form.cleaned_data)
        accounts = terms.pop("program_accounts", [])
        pending = relationship.status == Relationship.Status.PENDING
        service = services.relationship_approve if pending else services.relationship_update
        try:
            service(
                actor=request.user, relationship=relationship, program_accounts=accounts, **terms
            )
        except DelegationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                (_("%(provider)s may now act for you.") if pending else _("Access changed."))
                % {"provider": relationship.provider.legal_name},
            )
            return redirect("third_parties", bn9=bn9)
    return render(
        request,
        "delegation/relationship_terms.html",
        {"business": relationship.importer, "relationship": relationship, "form": form},
    )


def _decide(request: HttpRequest, bn9: str, pk: int, service, done: str) -> HttpResponse:
    relationship = _managed_relationship(request, bn9, pk)
    if again := password_again(request, reverse("third_parties", args=[bn9])):
        return again
    try:
        service(actor=request.user, relationship=relationship)
    except DelegationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"provider": relationship.provider.legal_name})
    return redirect("third_parties", bn9=bn9)


@login_required
@require_POST
def relationship_reject(request: HttpRequest, bn9: str, pk: int) -> HttpResponse:
    return _decide(request, bn9, pk, services.relationship_reject, _("You rejected %(provider)s."))


@login_required
@require_http_methods(["GET", "POST"])
def relationship_revoke(request: HttpRequest, bn9: str, pk: int) -> HttpResponse:
    """Asks first, naming what the provider will no longer see; the POST revokes."""
    if request.method == "GET":
        relationship = _managed_relationship(request, bn9, pk)
        provider = relationship.provider.legal_name
        if relationship.kind == Relationship.Kind.BUSINESS_MANAGEMENT:
            reach = _("%(provider)s will no longer see or act on any of your program accounts.")
        else:
            reach = _(
                "%(provider)s will no longer see or act on these program accounts: %(accounts)s."
            )
        accounts = ", ".join(
            account.display_number for account in relationship.program_accounts.order_by("bn15")
        )
        return render(
            request,
            "includes/confirm.html",
            {
                "title": _("Revoke the relationship with %(provider)s?") % {"provider": provider},
                "consequences": [
                    reach % {"provider": provider, "accounts": accounts},
                    _(
                        "Its employees lose this access at once; to work with you again, "
                        "%(provider)s must send a new request and you approve it."
                    )
                    % {"provider": provider},
                ],
                "confirm": _("Revoke the relationship"),
                "back": reverse("third_parties", args=[bn9]),
            },
        )
    return _decide(
        request,
        bn9,
        pk,
        services.relationship_revoke,
        _("%(provider)s can no longer act for you."),
    )


@login_required
def access_log(request: HttpRequest, bn9: str) -> HttpResponse:
    importer = get_business_for(request.user, bn9, bam=True)
    return render(
        request,
        "delegation/access_log.html",
        {"business": importer, "entries": selectors.access_log(request.user, importer)},
    )


# --- Sureties -----------------------------------------------------------------------------

INVITATIONS_PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def account_surety_invitations(request: HttpRequest, bn15: str) -> HttpResponse:
    """The importer's BAM invites a surety company to post security for the account, and
    sees the invitations it gave."""
    account = get_program_account_for(request.user, bn15, Action.INVITE_SURETY)
    form = SuretyInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.surety_invite(
                actor=request.user, program_account=account, **form.cleaned_data
            )
        except DelegationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("%(surety)s is invited to post security for %(account)s.")
                % {"surety": invitation.surety.legal_name, "account": account.display_number},
            )
            return redirect("account_surety_invitations", bn15=account.bn15)
    return render(
        request,
        "delegation/account_surety_invitations.html",
        {
            "account": account,
            "form": form,
            "invitations": selectors.account_surety_invitations(request.user, account),
        },
    )


@login_required
@require_POST
def surety_invitation_withdraw(request: HttpRequest, bn15: str, pk: int) -> HttpResponse:
    account = get_program_account_for(request.user, bn15, Action.INVITE_SURETY)
    invitation = get_object_or_404(account.surety_invitations.select_related("surety"), pk=pk)
    try:
        services.surety_invitation_withdraw(actor=request.user, invitation=invitation)
    except DelegationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The invitation to %(surety)s is withdrawn.")
            % {"surety": invitation.surety.legal_name},
        )
    return redirect("account_surety_invitations", bn15=account.bn15)


@login_required
def surety_invitations(request: HttpRequest) -> HttpResponse:
    """A surety's invitations: the accounts whose importers asked it for security. Nobody
    else has such a page: 404."""
    surety = surety_of(request.user)
    if surety is None:
        raise Http404
    page = Paginator(
        selectors.surety_invitations(request.user).order_by("-created_at", "-pk"),
        INVITATIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "delegation/surety_invitations.html",
        {"surety": surety, "page": page, "may_post": bond_issuer_for(request.user) is not None},
    )


# --- Provider side -------------------------------------------------------------------------


@login_required
def my_clients(request: HttpRequest, bn9: str) -> HttpResponse:
    provider = get_provider_for(request.user, bn9)
    search = request.GET.get("q", "").strip()
    return render(
        request,
        "delegation/my_clients.html",
        {
            "business": provider,
            "search": search,
            "rows": selectors.client_accounts(request.user, provider, search=search),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def provider_relationships(request: HttpRequest, bn9: str) -> HttpResponse:
    provider = get_provider_for(request.user, bn9, bam=True)
    form = RelationshipRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            relationship = services.relationship_request(
                actor=request.user, provider=provider, **form.cleaned_data
            )
        except DelegationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                # The importer's name is not said until it answers: a business number
                # alone does not entitle anyone to it.
                _("Your request was sent to the business with number %(bn9)s.")
                % {"bn9": relationship.importer.bn9},
            )
            return redirect("provider_relationships", bn9=bn9)
    return render(
        request,
        "delegation/provider_relationships.html",
        {
            "business": provider,
            "relationships": selectors.provider_relationships(request.user, provider),
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_groups(request: HttpRequest, bn9: str) -> HttpResponse:
    provider = get_provider_for(request.user, bn9, bam=True)
    form = ClientGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.client_group_create(
                actor=request.user, provider=provider, name=form.cleaned_data["name"]
            )
        except DelegationError as error:
            form.add_service_error(error)
        else:
            return redirect("client_group_edit", bn9=bn9, pk=group.pk)
    return render(
        request,
        "delegation/client_groups.html",
        {
            "business": provider,
            "groups": selectors.client_groups(request.user, provider),
            "form": form,
        },
    )


def _group(request: HttpRequest, bn9: str, pk: int):
    provider = get_provider_for(request.user, bn9, bam=True)
    group = selectors.client_groups(request.user, provider).filter(pk=pk).first()
    if group is None:
        raise Http404
    return provider, group


@login_required
@require_http_methods(["GET", "POST"])
def client_group_edit(request: HttpRequest, bn9: str, pk: int) -> HttpResponse:
    provider, group = _group(request, bn9, pk)
    clients, employees = selectors.group_candidates(provider)
    form = ClientGroupMembersForm(
        request.POST or None,
        initial={"clients": group.clients.all(), "employees": group.employees.all()},
        clients=clients,
        employees=employees,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.client_group_update(actor=request.user, group=group, **form.cleaned_data)
        except DelegationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The group “%(name)s” is saved.") % {"name": group.name})
            return redirect("client_groups", bn9=bn9)
    return render(
        request,
        "delegation/client_group_edit.html",
        {"business": provider, "group": group, "form": form},
    )


@login_required
@require_POST
def client_group_delete(request: HttpRequest, bn9: str, pk: int) -> HttpResponse:
    _provider, group = _group(request, bn9, pk)
    services.client_group_delete(actor=request.user, group=group)
    messages.success(request, _("The group “%(name)s” is deleted.") % {"name": group.name})
    return redirect("client_groups", bn9=bn9)
