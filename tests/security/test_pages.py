"""Financial Security, Update Requirement and the surety's bonds page, by persona, in
English and French."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.models import ProgramAccount, Role
from carm.formats import day
from financial.services import posting_create
from security.errors import SecurityError
from security.models import ReductionRequest, RppReview, SuretyBond
from security.rules import review_year_due
from security.services import bond_post, cash_deposit_record
from tests.conftest import relationship_with
from tests.factories import BusinessFactory, UserFactory, invited, member
from tests.security.conftest import REVIEWED

pytestmark = pytest.mark.django_db

# Two years back: its January 15 has passed whatever today is, so its requirement is the
# one in force.


@pytest.fixture(autouse=True)
def _english():
    """A French request leaves French active in this thread, and reverse() would follow."""
    with translation.override("en"):
        yield


def french(url: str) -> str:
    return url.replace("/en/", "/fr/", 1)


def page_of(client, account, language: str = "en") -> str:
    with translation.override("en"):
        url = reverse("financial_security", args=[account.bn15])
    response = client.get(url if language == "en" else french(url))
    assert response.status_code == 200
    return response.content.decode()


# --- The Financial Security page ------------------------------------------------------------


def test_the_bam_sees_the_requirement_the_shortfall_and_the_review(
    client_for, importer_bam, reviewed
):
    page = page_of(client_for(importer_bam), reviewed)
    assert "Total Required Financial Security" in page
    assert "$15,000.00" in page and "$30,000.00" in page  # bond and its cash equivalent
    assert "Your financial security is short by $15,000.00" in page
    assert 'notice-role="danger"' in page
    assert f"Set by the {REVIEWED} annual review" in page
    assert f"November {REVIEWED - 1}" in page  # the highest month
    assert "$5,000.00" in page  # the previous requirement, in the history
    assert "Update Requirement" in page
    assert "Forecast of the next annual review" in page

    french_page = page_of(client_for(importer_bam), reviewed, "fr")
    assert "Garantie financière totale exigée" in french_page
    assert "15\u00a0000,00\u00a0$" in french_page
    assert "Il manque 15\u00a0000,00\u00a0$ à votre garantie financière" in french_page


def test_bonds_and_deposits_cover_the_requirement(
    client_for, importer_bam, officer, surety_user, reviewed
):
    today = timezone.localdate()
    bond_post(
        actor=surety_user,
        program_account=reviewed,
        bond_number="TN-2026-0042",
        amount=D("10000.00"),
        effective_date=today,
    )
    cash_deposit_record(
        officer=officer,
        program_account=reviewed,
        amount=D("10000.00"),
        received_on=today,
        reference="CD-7",
    )
    page = page_of(client_for(importer_bam), reviewed)
    assert "TN-2026-0042" in page and "True North Surety Co." in page
    assert "Renews every year on" in page
    assert "CD-7" in page
    assert "is short by" not in page  # $10,000 of bond + a third of the cash ≥ $15,000


def test_a_new_requirement_still_ahead_is_announced(client_for, importer_bam, rpp):
    today = timezone.localdate()
    RppReview.objects.create(
        program_account=rpp,
        year=review_year_due(today),
        highest_amount=D("50000.00"),
        required_bond=D("25000"),
        required_cash=D("50000"),
        previous_bond=D("5000"),
        previous_cash=D("5000"),
        increased=True,
        effective_date=today + datetime.timedelta(days=30),
    )
    page = page_of(client_for(importer_bam), rpp)
    assert "New requirement from" in page
    assert "the requirement is a bond of $25,000.00 (or $50,000.00 in cash)" in page
    assert "$25,000.00 short of it" in page
    assert "Your financial security is short by $5,000.00" in page  # today's: the old one
    # A reduction is asked of the new requirement, and its form says so.
    form = client_for(importer_bam).get(reverse("security_reduction", args=[rpp.bn15]))
    ahead = escape(f"Surety bond required from {day(today + datetime.timedelta(days=30))}")
    assert f"{ahead}: <strong>$25,000.00</strong>" in form.content.decode()


def test_the_forecast_warns_when_the_next_review_will_ask_for_more(
    client_for, importer_bam, surety_user, rpp
):
    bond_post(
        actor=surety_user,
        program_account=rpp,
        bond_number="TN-5",
        amount=D("5000.00"),
        effective_date=timezone.localdate(),
    )
    client = client_for(importer_bam)
    assert "The next review may ask for more than is posted" not in page_of(client, rpp)
    posting_create(  # today is always inside the next review's window
        program_account=rpp, kind="charge", amount=D("30000.00"), gst=D("30000.00")
    )
    page = page_of(client, rpp)
    assert "is short by" not in page  # today's $5,000 is covered
    assert "The next review may ask for more than is posted" in page
    assert "will require $10,000.00 more than is posted today" in page
    assert "$15,000.00 (or $30,000.00 in cash)" in page


def test_a_reader_sees_the_page_but_cannot_ask_for_a_reduction(client_for, reader, reviewed):
    client = client_for(reader)
    page = page_of(client, reviewed)
    assert "$15,000.00" in page
    assert "Update Requirement" not in page
    url = reverse("security_reduction", args=[reviewed.bn15])
    assert client.get(url).status_code == 403
    response = client.post(url, {"amount": "6000.00", "justification": "x" * 40})
    assert response.status_code == 403
    assert not ReductionRequest.objects.exists()


def test_a_broker_without_security_visibility_gets_403_and_no_link(client_for, broker_bm, rpp):
    client = client_for(broker_bm)
    assert client.get(reverse("financial_security", args=[rpp.bn15])).status_code == 403
    assert client.get(reverse("security_reduction", args=[rpp.bn15])).status_code == 403
    account_page = client.get(reverse("program_account", args=[rpp.bn15])).content.decode()
    assert "financial-security" not in account_page


def test_a_broker_with_security_visibility_sees_the_page(client_for, maple, rpp):
    from tests.conftest import provider_firm
    from tests.support import with_check_digit

    firm, user = provider_firm(with_check_digit("66677788"), "Harbour Brokers", "h@harbour.ex")
    relationship_with(maple, firm, level="reader", sees_security=True)
    client = client_for(user)
    account_page = client.get(reverse("program_account", args=[rpp.bn15])).content.decode()
    assert reverse("financial_security", args=[rpp.bn15]) in account_page
    page = page_of(client, rpp)
    assert "$5,000.00" in page  # a new RPP importer's minimum
    assert "Update Requirement" not in page  # a reader-level provider asks for nothing


def test_the_link_is_on_the_account_page_for_its_employees(client_for, importer_bam, rpp):
    page = client_for(importer_bam).get(reverse("program_account", args=[rpp.bn15]))
    assert reverse("financial_security", args=[rpp.bn15]) in page.content.decode()


def test_an_outsider_gets_404(client_for, outsider, rpp):
    client = client_for(outsider)
    assert client.get(reverse("financial_security", args=[rpp.bn15])).status_code == 404
    assert client.get(reverse("security_reduction", args=[rpp.bn15])).status_code == 404
    response = client.post(
        reverse("security_reduction", args=[rpp.bn15]),
        {"amount": "1.00", "justification": "x" * 40},
    )
    assert response.status_code == 404
    assert not ReductionRequest.objects.exists()


def test_an_account_without_rpp_needs_nothing(client_for, importer_bam, rm2):
    page = page_of(client_for(importer_bam), rm2)
    assert "is not enrolled in Release Prior to Payment" in page
    assert "is short by" not in page
    assert "Update Requirement" not in page


# --- Update Requirement ---------------------------------------------------------------------


def test_the_bam_asks_to_lower_the_requirement(client_for, importer_bam, reviewed):
    client = client_for(importer_bam)
    url = reverse("security_reduction", args=[reviewed.bn15])
    form = client.get(url).content.decode()
    assert "Surety bond required today: <strong>$15,000.00</strong>" in form
    response = client.post(
        url,
        {
            "amount": "8000.00",
            "justification": "We moved half of our imports to a customs warehouse.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("financial_security", args=[reviewed.bn15])
    page = response.content.decode()
    assert "Your request to lower the required bond to $8,000.00 was sent." in page
    assert "Your request to lower the requirement is waiting for an officer" in page
    assert 'href="' + url + '"' not in page  # one request at a time
    request = ReductionRequest.objects.get()
    assert request.amount == D("8000.00") and request.requested_by == importer_bam


@pytest.mark.parametrize(
    ("language", "data", "message"),
    [
        (
            "en",
            {"amount": "15000.00", "justification": "Our imports will be much smaller."},
            "The requested amount must be lower than the current requirement of $15,000.00.",
        ),
        (
            "fr",
            {"amount": "15000.00", "justification": "Our imports will be much smaller."},
            "Le montant demandé doit être inférieur à l'exigence actuelle de",
        ),
        ("en", {"amount": "8000.00", "justification": "Smaller."}, "Explain why in at least 20"),
        ("fr", {"amount": "8000.00", "justification": "Smaller."}, "Expliquez pourquoi en au"),
        ("en", {"amount": "0", "justification": "x" * 30}, "Enter an amount greater than zero"),
        ("fr", {"amount": "0", "justification": "x" * 30}, "Entrez un montant supérieur à zéro"),
        ("en", {"amount": "eight", "justification": "x" * 30}, "Enter a number."),
        ("fr", {"amount": "eight", "justification": "x" * 30}, "Saisissez un nombre."),
    ],
)
def test_a_refused_request_changes_nothing_and_says_why(
    client_for, importer_bam, reviewed, language, data, message
):
    url = reverse("security_reduction", args=[reviewed.bn15])
    response = client_for(importer_bam).post(url if language == "en" else french(url), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    assert ("There is a problem" if language == "en" else "Il y a un problème") in page
    assert data["justification"] in page  # nothing typed is lost
    assert not ReductionRequest.objects.exists()


def test_a_second_request_waits_for_the_first(client_for, importer_bam, reviewed):
    client = client_for(importer_bam)
    url = reverse("security_reduction", args=[reviewed.bn15])
    data = {"amount": "8000.00", "justification": "Our imports will be much smaller."}
    assert client.post(url, data).status_code == 302
    form = client.get(url).content.decode()
    assert "Your request to lower the requirement is waiting for an officer" in form
    assert "<form" not in form.split("</gcds-header>")[1]  # nothing to send meanwhile
    again = client.post(url, {**data, "amount": "7000.00"})
    assert again.status_code == 200
    assert ReductionRequest.objects.count() == 1


# --- The surety's bonds ---------------------------------------------------------------------


def bond_form(**data) -> dict:
    return {
        "program_account": "123456782 rm 0001",
        "bond_number": "TN-1",
        "amount": "15000.00",
        "effective_date": timezone.localdate().isoformat(),
        **data,
    }


def test_the_surety_posts_a_bond_and_the_shortfall_is_gone(
    client_for, surety_user, importer_bam, reviewed
):
    client = client_for(surety_user)
    assert (
        "Your company has not posted any bond yet."
        in client.get(reverse("surety_bonds")).content.decode()
    )
    response = client.post(reverse("surety_bonds"), bond_form(), follow=True)
    page = response.content.decode()
    assert "Bond TN-1 of $15,000.00 is posted for 123456782 RM 0001." in page
    assert "Maple Leaf Imports Inc." in page  # the list of its bonds
    bond = SuretyBond.objects.get()
    assert bond.program_account == reviewed and bond.surety.legal_name == "True North Surety Co."
    importer_page = page_of(client_for(importer_bam), reviewed)
    assert "is short by" not in importer_page and "TN-1" in importer_page


def test_the_effective_date_starts_at_today_in_both_languages(client_for, surety_user):
    for url in (reverse("surety_bonds"), french(reverse("surety_bonds"))):
        page = client_for(surety_user).get(url).content.decode()
        assert f'value="{timezone.localdate().isoformat()}"' in page


def test_a_bond_reinstates_a_suspended_account(client_for, surety_user, reviewed):
    reviewed.rpp_status = ProgramAccount.RppStatus.SUSPENDED
    reviewed.save()
    client_for(surety_user).post(reverse("surety_bonds"), bond_form())
    reviewed.refresh_from_db()
    assert reviewed.rpp_status == ProgramAccount.RppStatus.ACTIVE


@pytest.mark.parametrize(
    ("language", "data", "message"),
    [
        (
            "en",
            {"program_account": "876543216RM0009"},
            "Your company may post a bond only for a program account whose importer invited it.",
        ),
        (
            "fr",
            {"program_account": "876543216RM0009"},
            "Votre société ne peut déposer un cautionnement que pour un compte de programme",
        ),
        ("en", {"program_account": "12345"}, "A program account number has 15 characters"),
        ("fr", {"program_account": "12345"}, "Un numéro de compte de programme"),
        ("en", {"amount": "-5"}, "Enter an amount greater than zero"),
        ("fr", {"amount": "-5"}, "Entrez un montant supérieur à zéro"),
        ("en", {"effective_date": "2001-01-01"}, "cannot be more than 31 days in the past"),
        ("fr", {"effective_date": "2001-01-01"}, "ne peut pas remonter à plus de 31 jours"),
        ("en", {"bond_number": ""}, "This field is required."),
        ("fr", {"bond_number": ""}, "Ce champ est obligatoire."),
    ],
)
def test_a_refused_bond_changes_nothing_and_says_why(
    client_for, surety_user, reviewed, language, data, message
):
    url = reverse("surety_bonds")
    response = client_for(surety_user).post(
        url if language == "en" else french(url), bond_form(**data)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    assert 'value="' + bond_form(**data)["program_account"] + '"' in page  # kept as typed
    assert not SuretyBond.objects.exists()


def test_the_same_bond_number_twice_is_refused(client_for, surety_user, reviewed):
    client = client_for(surety_user)
    client.post(reverse("surety_bonds"), bond_form())
    again = client.post(reverse("surety_bonds"), bond_form(amount="1000.00")).content.decode()
    assert "Your company already posted a bond with this number." in again
    assert SuretyBond.objects.count() == 1


def test_the_surety_page_is_404_for_everyone_else(client_for, importer_bam, broker_bm, officer):
    for user in (importer_bam, broker_bm, officer):
        client = client_for(user)
        assert client.get(reverse("surety_bonds")).status_code == 404
        assert client.post(reverse("surety_bonds"), bond_form()).status_code == 404
    assert not SuretyBond.objects.exists()


def test_a_reader_at_the_surety_sees_the_bonds_and_posts_none(
    client_for, surety_user, surety_reader, reviewed
):
    bond_post(
        actor=surety_user,
        program_account=reviewed,
        bond_number="TN-7",
        amount=D("1000.00"),
        effective_date=timezone.localdate(),
    )
    client = client_for(surety_reader)
    page = client.get(reverse("surety_bonds")).content.decode()
    assert "TN-7" in page and "Post the bond" not in page
    assert client.post(reverse("surety_bonds"), bond_form()).status_code == 403
    assert SuretyBond.objects.count() == 1
    with pytest.raises(SecurityError) as refused:
        bond_post(
            actor=surety_reader,
            program_account=reviewed,
            bond_number="TN-8",
            amount=D("1000.00"),
            effective_date=timezone.localdate(),
        )
    assert refused.value.code == "surety_reader"


def test_the_surety_sees_only_its_own_bonds(client_for, surety_user, reviewed):
    other = BusinessFactory(legal_name="Other Surety Inc.", is_surety=True, is_importer=False)
    other_user = UserFactory()
    member(other_user, invited(other, reviewed), Role.BAM)
    bond_post(
        actor=other_user,
        program_account=reviewed,
        bond_number="OS-99",
        amount=D("1000.00"),
        effective_date=timezone.localdate(),
    )
    page = client_for(surety_user).get(reverse("surety_bonds")).content.decode()
    assert "OS-99" not in page


def test_the_number_may_be_written_as_people_write_it(client_for, importer_bam, reviewed):
    for written in ("123456782rm0001", "123456782 RM 0001"):
        url = reverse("financial_security", args=[written])
        assert client_for(importer_bam).get(url).status_code == 200
    assert (
        client_for(importer_bam).get(reverse("financial_security", args=["12345"])).status_code
        == 404
    )


# --- Cancelling a bond ------------------------------------------------------------------


def posted_bond(surety_user, account, number="TN-5"):
    return bond_post(
        actor=surety_user,
        program_account=account,
        bond_number=number,
        amount=D("15000.00"),
        effective_date=timezone.localdate(),
    )


def test_the_importer_cancels_a_bond_and_the_shortfall_comes_back(
    client_for, importer_bam, surety_user, reviewed
):
    bond = posted_bond(surety_user, reviewed)
    client = client_for(importer_bam)
    assert "is short by" not in page_of(client, reviewed)
    today = timezone.localdate()
    # Asked first: what the account's security becomes, and nothing changes yet.
    asked = client.post(
        reverse("importer_bond_cancel", args=[reviewed.bn15, bond.pk]),
        {"cancelled_from": today.isoformat()},
    ).content.decode()
    assert f"Cancel bond TN-5 from {day(today)}?" in asked
    assert "falls from $15,000.00 to $0.00" in asked
    assert "will be short $15,000.00" in asked
    bond.refresh_from_db()
    assert bond.cancelled_from is None
    response = client.post(
        reverse("importer_bond_cancel", args=[reviewed.bn15, bond.pk]),
        {"cancelled_from": today.isoformat(), "confirm": "yes"},
        follow=True,
    )
    page = response.content.decode()
    assert f"Bond TN-5 is cancelled from {day(today)} and will not renew." in page
    assert "Your financial security is short by $15,000.00" in page
    bond.refresh_from_db()
    assert (bond.cancelled_from, bond.cancelled_by) == (today, reviewed.business)
    again = client.post(
        reverse("importer_bond_cancel", args=[reviewed.bn15, bond.pk]),
        {"cancelled_from": today.isoformat(), "confirm": "yes"},
        follow=True,
    )
    assert "TN-5: This bond is already cancelled." in again.content.decode()


def test_a_bond_is_not_cancelled_in_the_past_in_either_language(
    client_for, importer_bam, surety_user, reviewed
):
    bond = posted_bond(surety_user, reviewed)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    client = client_for(importer_bam)
    url = reverse("importer_bond_cancel", args=[reviewed.bn15, bond.pk])
    english = client.post(url, {"cancelled_from": yesterday}, follow=True).content.decode()
    assert "A bond is cancelled from today or a later day." in english
    french_page = client.post(
        french(url), {"cancelled_from": yesterday}, follow=True
    ).content.decode()
    assert escape("Un cautionnement s'annule à compter d'aujourd'hui") in french_page
    nothing = client.post(url, {"cancelled_from": "soon"}, follow=True).content.decode()
    assert "Enter the day the bond is cancelled from." in nothing
    bond.refresh_from_db()
    assert bond.cancelled_from is None


def test_only_the_importers_managers_see_and_use_the_cancel_form(
    client_for, importer_bam, reader, surety_user, reviewed
):
    bond = posted_bond(surety_user, reviewed)
    assert "Cancel the bond" in page_of(client_for(importer_bam), reviewed)
    assert "Cancel the bond" not in page_of(client_for(reader), reviewed)
    url = reverse("importer_bond_cancel", args=[reviewed.bn15, bond.pk])
    assert client_for(reader).post(url, {"cancelled_from": "2099-01-01"}).status_code == 403
    other = posted_bond(surety_user, ProgramAccount.objects.get(bn15="123456782RM0002"), "TN-6")
    mismatched = reverse("importer_bond_cancel", args=[reviewed.bn15, other.pk])
    assert (
        client_for(importer_bam).post(mismatched, {"cancelled_from": "2099-01-01"}).status_code
        == 404
    )
    assert not SuretyBond.objects.filter(cancelled_from__isnull=False).exists()


def test_the_surety_cancels_its_own_bonds_only(client_for, surety_user, surety_reader, reviewed):
    bond = posted_bond(surety_user, reviewed)
    other_surety = BusinessFactory(
        legal_name="Other Surety Inc.", is_surety=True, is_importer=False
    )
    other_user = UserFactory()
    member(other_user, other_surety, Role.BAM)
    future = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    url = reverse("surety_bond_cancel", args=[bond.pk])
    assert client_for(other_user).post(url, {"cancelled_from": future}).status_code == 404
    assert client_for(surety_reader).post(url, {"cancelled_from": future}).status_code == 403
    assert (
        "Cancel the bond"
        not in client_for(surety_reader).get(reverse("surety_bonds")).content.decode()
    )
    asked = client_for(surety_user).post(url, {"cancelled_from": future}).content.decode()
    assert "no longer secures 123456782 RM 0001" in asked
    assert "falls from" not in asked  # the importer's position is not the surety's to see
    response = client_for(surety_user).post(
        url, {"cancelled_from": future, "confirm": "yes"}, follow=True
    )
    assert "Bond TN-5 is cancelled from" in response.content.decode()
    bond.refresh_from_db()
    assert bond.cancelled_from.isoformat() == future
    assert bond.cancelled_by.legal_name == "True North Surety Co."


def test_a_bond_is_not_cancelled_before_it_takes_effect_and_the_message_says_so(
    client_for, importer_bam, surety_user, reviewed
):
    later = timezone.localdate() + datetime.timedelta(days=40)
    bond = bond_post(
        actor=surety_user,
        program_account=reviewed,
        bond_number="TN-9",
        amount=D("15000.00"),
        effective_date=later,
    )
    url = reverse("importer_bond_cancel", args=[reviewed.bn15, bond.pk])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    page = client_for(importer_bam).post(url, {"cancelled_from": tomorrow}, follow=True)
    assert (
        f"A bond is cancelled from the day it takes effect, {day(later)}, or a later day."
        in page.content.decode()
    )
    bond.refresh_from_db()
    assert bond.cancelled_from is None
