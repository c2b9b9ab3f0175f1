"""A surety posts a bond only where the account's importer invited it (docs/rules.md §7):
the importer's BAM invites and withdraws, the surety sees its invitations, and a surety
without one is refused in the same words whether the account exists or not."""

import datetime
import importlib
import re
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.models import ProgramAccount, Role
from delegation.errors import DelegationError
from delegation.models import SuretyInvitation
from delegation.services import surety_invitation_withdraw, surety_invite
from notifications.kinds import Kind
from notifications.models import Notification
from security.errors import SecurityError
from security.models import SuretyBond
from security.services import bond_post
from tests.factories import BusinessFactory, ProgramAccountFactory, UserFactory, invited, member

pytestmark = pytest.mark.django_db

SURETY_BN9 = "777888991"
REFUSAL = "Your company may post a bond only for a program account whose importer invited it."
REFUSAL_FR = "Votre société ne peut déposer un cautionnement que pour un compte de programme"


def french(url: str) -> str:
    return url.replace("/en/", "/fr/", 1)


def unvarying(page: str) -> str:
    """The page without what differs on every answer (tokens, nonces) or was typed."""
    page = re.sub(r'(value|content|nonce)="[^"]*"', "", page)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", page)


@pytest.fixture
def surety(db):
    """True North Surety, an e-bond issuer nobody has invited yet."""
    return BusinessFactory(
        bn9=SURETY_BN9, legal_name="True North Surety Co.", is_surety=True, is_importer=False
    )


@pytest.fixture
def surety_bam(surety):
    user = UserFactory(email="bonds@surety.example")
    member(user, surety, Role.BAM)
    return user


@pytest.fixture
def surety_reader(surety):
    user = UserFactory(email="reader@surety.example")
    member(user, surety, Role.READER)
    return user


@pytest.fixture
def rpp(rm1):
    rm1.rpp_status = ProgramAccount.RppStatus.ACTIVE
    rm1.save()
    return rm1


def invitations_url(account) -> str:
    return reverse("account_surety_invitations", args=[account.bn15])


def bond_form(account: str, **data) -> dict:
    return {
        "program_account": account,
        "bond_number": "TN-1",
        "amount": "15000.00",
        "effective_date": timezone.localdate().isoformat(),
        **data,
    }


def bonds_api(bn15: str) -> str:
    return f"/api/v1/program-accounts/{bn15}/bonds/"


def bond_body() -> dict:
    return {
        "bond_number": "TN-1",
        "amount": "15000.00",
        "effective_date": timezone.localdate().isoformat(),
    }


def written() -> tuple:
    """What a refused bond must leave as it was."""
    return (
        SuretyBond.objects.count(),
        list(SuretyInvitation.objects.values_list("pk", "used_at", "withdrawn_at")),
        Notification.objects.count(),
    )


# --- The importer invites ----------------------------------------------------------------


def test_the_bam_invites_a_surety_which_hears_of_it(
    client_for, importer_bam, rpp, surety, surety_bam, surety_reader
):
    response = client_for(importer_bam).post(
        invitations_url(rpp), {"surety_bn9": "777 888 991"}, follow=True
    )
    page = response.content.decode()
    assert "True North Surety Co. is invited to post security for 123456782 RM 0001." in page
    assert "Waiting for a bond" in page
    invitation = SuretyInvitation.objects.get()
    assert (invitation.program_account, invitation.surety) == (rpp, surety)
    assert invitation.invited_by == importer_bam
    assert invitation.used_at is None and invitation.withdrawn_at is None
    for user in (surety_bam, surety_reader):  # readers see the bonds, so they hear too
        notice = Notification.objects.get(recipient=user)
        assert notice.kind == Kind.SURETY_INVITED
        assert notice.body == (
            "Maple Leaf Imports Inc. invites your company to post financial security (a "
            "surety bond) for program account 123456782 RM 0001."
        )
        with translation.override("fr"):
            assert notice.body.startswith("Maple Leaf Imports Inc. invite votre société")
            assert notice.link == "/fr/sureties/invitations/"
    assert not Notification.objects.filter(recipient=importer_bam).exists()


def test_the_invitations_page_speaks_both_languages(client_for, importer_bam, rpp, surety):
    invited(surety, rpp)
    client = client_for(importer_bam)
    english = client.get(invitations_url(rpp)).content.decode()
    assert "Sureties invited" in english and "True North Surety Co." in english
    assert "Invite a surety" in english
    french_page = client.get(french(invitations_url(rpp))).content.decode()
    assert "Cautions invitées" in french_page and "Inviter une caution" in french_page
    assert "En attente d'un cautionnement" in french_page
    security = client.get(reverse("financial_security", args=[rpp.bn15])).content.decode()
    assert invitations_url(rpp) in security


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "CBSA has no surety company with this business number."),
        ("fr", "L'ASFC n'a aucune société de cautionnement portant ce numéro d'entreprise."),
    ],
)
def test_a_number_that_is_no_suretys_is_refused_in_the_same_words(
    client_for, importer_bam, rpp, broker_firm, language, message
):
    """An unknown number and a business that is not a surety: one answer, no name."""
    url = invitations_url(rpp)
    client = client_for(importer_bam)
    pages = []
    for number in ("046454286", broker_firm.bn9):
        response = client.post(url if language == "en" else french(url), {"surety_bn9": number})
        assert response.status_code == 200
        page = response.content.decode()
        assert escape(message) in page
        assert broker_firm.legal_name not in page
        pages.append(unvarying(page))
    assert pages[0] == pages[1]
    assert not SuretyInvitation.objects.exists() and not Notification.objects.exists()


def test_a_wrong_number_or_a_second_invitation_is_refused(client_for, importer_bam, rpp, surety):
    client = client_for(importer_bam)
    bad = client.post(invitations_url(rpp), {"surety_bn9": "777888990"}).content.decode()
    assert "This business number is not valid: check its last digit." in bad
    client.post(invitations_url(rpp), {"surety_bn9": SURETY_BN9})
    again = client.post(invitations_url(rpp), {"surety_bn9": SURETY_BN9}).content.decode()
    assert (
        "This surety company is already invited to post security for this program account." in again
    )
    assert SuretyInvitation.objects.count() == 1


def test_only_the_bam_invites(importer_bam, pam, editor, broker_bm, rpp, surety):
    for user in (pam, editor, broker_bm):
        with pytest.raises(DelegationError) as refused:
            surety_invite(actor=user, program_account=rpp, surety_bn9=SURETY_BN9)
        assert refused.value.code == "not_inviting"
    assert not SuretyInvitation.objects.exists()


def test_a_surety_does_not_see_the_importers_invitation_pages(client_for, surety_bam, rpp):
    invitation = SuretyInvitation.objects.create(
        program_account=rpp, surety=surety_bam.memberships.get().business
    )
    client = client_for(surety_bam)
    assert client.get(invitations_url(rpp)).status_code == 404
    url = reverse("surety_invitation_withdraw", args=[rpp.bn15, invitation.pk])
    assert client.post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is None


# --- The importer withdraws ----------------------------------------------------------------


def test_the_bam_withdraws_and_the_surety_posts_no_more(
    client_for, importer_bam, rpp, surety, surety_bam
):
    invitation = surety_invite(actor=importer_bam, program_account=rpp, surety_bn9=SURETY_BN9)
    url = reverse("surety_invitation_withdraw", args=[rpp.bn15, invitation.pk])
    page = client_for(importer_bam).post(url, follow=True).content.decode()
    assert "The invitation to True North Surety Co. is withdrawn." in page
    assert "Withdrawn on" in page
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is not None and invitation.withdrawn_by == importer_bam
    notice = Notification.objects.get(recipient=surety_bam, kind=Kind.SURETY_INVITATION_WITHDRAWN)
    assert "withdrew its invitation" in notice.body

    before = written()
    refused = client_for(surety_bam).post(reverse("surety_bonds"), bond_form(rpp.bn15))
    assert escape(REFUSAL) in refused.content.decode()
    api = client_for(surety_bam).post(
        bonds_api(rpp.bn15), bond_body(), content_type="application/json"
    )
    assert api.status_code == 404
    with pytest.raises(SecurityError) as service:
        bond_post(
            actor=surety_bam,
            program_account=rpp,
            bond_number="TN-9",
            amount=D("5000.00"),
            effective_date=timezone.localdate(),
        )
    assert service.value.code == "not_invited"
    assert written() == before

    again = client_for(importer_bam).post(url, follow=True).content.decode()
    assert "This invitation was already withdrawn." in again
    # Invited anew, the surety posts again.
    surety_invite(actor=importer_bam, program_account=rpp, surety_bn9=SURETY_BN9)
    assert (
        client_for(surety_bam)
        .post(bonds_api(rpp.bn15), bond_body(), content_type="application/json")
        .status_code
        == 201
    )


# --- The surety posts ----------------------------------------------------------------------


def test_an_uninvited_surety_is_refused_alike_on_an_account_that_exists_or_not(
    client_for, surety_bam, rpp, maple
):
    """Maple's RM0001 exists; RM0009 does not: the page and the API answer the same,
    name no importer, and write nothing."""
    client = client_for(surety_bam)
    before = written()
    pages = []
    for number in (rpp.bn15, "123456782RM0009"):
        response = client.post(reverse("surety_bonds"), bond_form(number))
        assert response.status_code == 200
        page = response.content.decode()
        assert escape(REFUSAL) in page and maple.legal_name not in page
        pages.append(unvarying(page))
    assert pages[0] == pages[1]
    french_page = client.post(french(reverse("surety_bonds")), bond_form(rpp.bn15))
    assert escape(REFUSAL_FR) in french_page.content.decode()
    answers = []
    for number in (rpp.bn15, "123456782RM0009"):
        response = client.post(bonds_api(number), bond_body(), content_type="application/json")
        assert maple.legal_name not in response.content.decode()
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1] == (404, answers[0][1])
    assert answers[0][1]["code"] == "not_found"
    assert written() == before
    assert not SuretyBond.objects.exists()


def test_an_invitation_for_another_surety_or_account_is_no_invitation(
    client_for, surety_bam, rpp, rm2
):
    other = BusinessFactory(legal_name="Other Surety Inc.", is_surety=True, is_importer=False)
    invited(other, rpp)
    invited(surety_bam.memberships.get().business, rm2)
    response = client_for(surety_bam).post(reverse("surety_bonds"), bond_form(rpp.bn15))
    assert escape(REFUSAL) in response.content.decode()
    assert not SuretyBond.objects.exists()


def test_an_invited_surety_posts_and_the_invitation_is_used(
    client_for, importer_bam, surety_bam, rpp, surety
):
    invitation = surety_invite(actor=importer_bam, program_account=rpp, surety_bn9=SURETY_BN9)
    client = client_for(surety_bam)
    page = client.post(reverse("surety_bonds"), bond_form("123456782 rm 0001"), follow=True)
    assert "Bond TN-1 of $15,000.00 is posted for 123456782 RM 0001." in page.content.decode()
    invitation.refresh_from_db()
    first_use = invitation.used_at
    assert first_use is not None
    # The invitation stands once used: a second bond through the API, the first use kept.
    response = client.post(
        bonds_api(rpp.bn15),
        {**bond_body(), "bond_number": "TN-2"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["bn15"] == rpp.bn15
    invitation.refresh_from_db()
    assert invitation.used_at == first_use
    assert SuretyBond.objects.filter(surety=surety).count() == 2
    importer_page = client_for(importer_bam).get(invitations_url(rpp)).content.decode()
    assert "First bond posted on" in importer_page


def test_the_invitation_link_fills_in_the_account(client_for, surety_bam, surety_reader, rpp):
    invited(surety_bam.memberships.get().business, rpp)
    page = client_for(surety_bam).get(reverse("surety_invitations")).content.decode()
    link = f"{reverse('surety_bonds')}?account={rpp.bn15}"
    assert link in page
    form = client_for(surety_bam).get(link).content.decode()
    assert f'value="{rpp.bn15}"' in form
    assert link not in client_for(surety_reader).get(reverse("surety_invitations")).content.decode()


# --- What the surety sees ------------------------------------------------------------------


def test_the_surety_sees_its_invitations_and_nothing_withdrawn_before_use(
    client_for, importer_bam, surety_bam, rpp, rm2, surety
):
    prairie = BusinessFactory(bn9="876543216", legal_name="Prairie Goods Ltd.")
    prairie_rm1 = ProgramAccountFactory(business=prairie, reference="RM0001")
    other = BusinessFactory(legal_name="Other Surety Inc.", is_surety=True, is_importer=False)
    invited(other, rm2)
    invited(surety, rpp)
    withdrawn = SuretyInvitation.objects.create(program_account=prairie_rm1, surety=surety)
    surety_invitation_withdraw(actor=prairie_bam(prairie), invitation=withdrawn)
    client = client_for(surety_bam)
    page = client.get(reverse("surety_invitations")).content.decode()
    assert "Maple Leaf Imports Inc." in page and "123456782 RM 0001" in page
    assert "Waiting for a bond" in page
    assert "Prairie Goods Ltd." not in page and "876543216" not in page
    assert "123456782 RM 0002" not in page  # the other surety's
    french_page = client.get(french(reverse("surety_invitations"))).content.decode()
    assert "Invitations à déposer une garantie" in french_page
    home = client.get(reverse("home")).content.decode()
    assert reverse("surety_invitations") in home


def prairie_bam(prairie):
    user = UserFactory()
    member(user, prairie, Role.BAM)
    return user


def test_the_surety_invitations_page_is_404_for_everyone_else(
    client_for, importer_bam, broker_bm, officer
):
    for user in (importer_bam, broker_bm, officer):
        assert client_for(user).get(reverse("surety_invitations")).status_code == 404


def test_the_bonds_page_lists_only_bonds_on_accounts_the_surety_may_see(
    client_for, importer_bam, surety_bam, surety, rpp, rm2, officer
):
    """A bond on an account whose importer never invited the surety (one recorded before
    invitations, say) is not listed, nor its importer named, nor cancelled from here; one
    whose invitation was withdrawn after use still is."""
    hidden = SuretyBond.objects.create(
        program_account=rm2,
        surety=surety,
        bond_number="TN-HIDDEN",
        amount=D("5000.00"),
        effective_date=timezone.localdate(),
        posted_by=officer,
    )
    invitation = surety_invite(actor=importer_bam, program_account=rpp, surety_bn9=SURETY_BN9)
    bond_post(
        actor=surety_bam,
        program_account=rpp,
        bond_number="TN-SEEN",
        amount=D("5000.00"),
        effective_date=timezone.localdate(),
    )
    surety_invitation_withdraw(actor=importer_bam, invitation=invitation)
    client = client_for(surety_bam)
    page = client.get(reverse("surety_bonds")).content.decode()
    assert "TN-SEEN" in page and "Maple Leaf Imports Inc." in page
    assert "TN-HIDDEN" not in page and "123456782 RM 0002" not in page
    future = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    url = reverse("surety_bond_cancel", args=[hidden.pk])
    assert client.post(url, {"cancelled_from": future}).status_code == 404
    hidden.refresh_from_db()
    assert hidden.cancelled_from is None


# --- Officers, and the bonds posted before invitations -------------------------------------


def test_officers_read_invitations_and_change_none(client_for, officer, rpp, surety):
    invited(surety, rpp)
    client = client_for(officer)
    listing = client.get(reverse("admin:delegation_suretyinvitation_changelist"))
    assert listing.status_code == 200 and "True North Surety Co." in listing.content.decode()
    assert client.get(reverse("admin:delegation_suretyinvitation_add")).status_code == 403


def test_bonds_posted_before_invitations_keep_their_surety_standing(officer, rpp, rm2, surety):
    posted = datetime.datetime(2025, 3, 3, 9, tzinfo=datetime.UTC)
    for account, number in ((rpp, "A-1"), (rpp, "A-2"), (rm2, "B-1")):
        SuretyBond.objects.create(
            program_account=account,
            surety=surety,
            bond_number=number,
            amount=D("5000.00"),
            effective_date=posted.date(),
            posted_by=officer,
            created_at=posted,
        )
    migration = importlib.import_module("delegation.migrations.0005_invitations_for_posted_bonds")
    migration.record(apps, None)
    migration.record(apps, None)  # run again: nothing more
    invitations = SuretyInvitation.objects.order_by("program_account__bn15")
    assert [(i.program_account, i.used_at) for i in invitations] == [
        (rpp, posted),
        (rm2, posted),
    ]
    assert all(i.surety == surety and i.withdrawn_at is None for i in invitations)
