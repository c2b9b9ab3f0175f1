"""The enrolment pages and the officers' decision page, in both languages."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import Business, ProgramAccount, Role
from enrolment.models import BusinessNumberApplication, ProgramAccountApplication, RppApplication
from enrolment.services import bn_application_submit, rpp_apply
from tests.enrolment.test_applications import NEW_BUSINESS
from tests.factories import BusinessFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Apply for a business number"), ("fr", "Demander un numéro d'entreprise")],
)
def test_a_newcomer_applies_for_a_business_number(client_for, language, words):
    newcomer = UserFactory()
    client = client_for(newcomer)
    assert words in client.get(f"/{language}/setup/").content.decode()
    response = client.post(f"/{language}/applications/business-number/", NEW_BUSINESS)
    application = BusinessNumberApplication.objects.get(applicant=newcomer)
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/applications/business-number/{application.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Aurora Outfitters Inc." in page
    assert ("Submitted" if language == "en" else "Soumise") in page
    # Nobody else sees it.
    assert client_for(UserFactory()).get(response["Location"]).status_code == 404


@pytest.mark.parametrize(
    ("language", "postal", "name"),
    [
        ("en", "A postal code is written like K1A 0B1.", "This field is required."),
        ("fr", "Un code postal s'écrit comme K1A 0B1.", "Ce champ est obligatoire."),
    ],
)
def test_bad_input_is_explained_kept_and_creates_nothing(client_for, language, postal, name):
    data = {**NEW_BUSINESS, "legal_name": "", "postal_code": "12345", "city": "Gatineau"}
    response = client_for(UserFactory()).post(f"/{language}/applications/business-number/", data)
    body = response.content.decode()
    assert response.status_code == 200
    assert escape(postal) in body and escape(name) in body
    assert 'value="Gatineau"' in body and 'value="12345"' in body
    assert not BusinessNumberApplication.objects.exists()


def test_the_first_account_opens_from_the_home_page(client_for):
    founder = UserFactory()
    business = BusinessFactory(legal_name="Aurora Outfitters Inc.")
    member(founder, business, Role.BAM)
    client = client_for(founder)
    assert reverse("account_apply", args=[business.bn9]) in client.get("/en/").content.decode()
    form = client.get(reverse("account_apply", args=[business.bn9])).content.decode()
    assert "it opens as soon as you send this form" in form
    response = client.post(
        reverse("account_apply", args=[business.bn9]),
        {"start_date": "2026-01-05", "activity": "import", "description": "Apparel."},
    )
    account = ProgramAccount.objects.get(business=business)
    assert account.bn15 == f"{business.bn9}RM0001"
    assert response["Location"] == reverse("program_account", args=[account.bn15])
    assert account.display_number in client.get("/en/").content.decode()


def test_a_division_account_waits_for_an_officer(client_for, maple, importer_bam):
    response = client_for(importer_bam).post(
        reverse("account_apply", args=[maple.bn9]),
        {"start_date": "2026-01-05", "activity": "both", "description": "Furniture."},
    )
    application = ProgramAccountApplication.objects.get()
    assert response["Location"] == reverse("account_application", args=[application.pk])
    assert maple.program_accounts.count() == 2


def test_enrolling_in_rpp_shows_what_is_required(client_for, rm2, importer_bam):
    client = client_for(importer_bam)
    security = client.get(reverse("financial_security", args=[rm2.bn15])).content.decode()
    assert reverse("rpp_apply", args=[rm2.bn15]) in security
    page = client.get(reverse("rpp_apply", args=[rm2.bn15])).content.decode()
    assert "Security required to enrol" in page and "$5,000.00" in page
    french = client.get(reverse("rpp_apply", args=[rm2.bn15]).replace("/en/", "/fr/"))
    assert "Garantie exigée pour adhérer" in french.content.decode()
    assert "5\u00a0000,00\u00a0$" in french.content.decode()
    translation.activate("en")  # the French page left French active in this thread
    response = client.post(
        reverse("rpp_apply", args=[rm2.bn15]), {"expected_monthly_ar": "30 000,00"}
    )
    application = RppApplication.objects.get()
    assert application.expected_monthly_ar == D("30000.00")
    assert response["Location"] == reverse("rpp_application", args=[application.pk])
    again = client.get(reverse("rpp_apply", args=[rm2.bn15])).content.decode()
    assert "Your application is waiting for an officer" in again
    french = client.get(reverse("rpp_apply", args=[rm2.bn15]).replace("/en/", "/fr/"))
    assert "Votre demande attend la décision d'un agent" in french.content.decode()


def test_my_applications_lists_what_the_user_follows(client_for, rm2, importer_bam):
    bn_application_submit(applicant=importer_bam, **NEW_BUSINESS)
    rpp_apply(actor=importer_bam, program_account=rm2, kind="enrol", expected_monthly_ar=D(10))
    page = client_for(importer_bam).get(reverse("applications")).content.decode()
    assert "Aurora Outfitters Inc." in page and rm2.display_number in page


# --- The officers' decision page -----------------------------------------------------------


def decide_url(application) -> str:
    name = type(application)._meta.model_name
    return reverse(f"admin:enrolment_{name}_decide", args=[application.pk])


def test_an_officer_decides_on_the_applications_page(client_for, officer):
    applicant = UserFactory()
    application = bn_application_submit(applicant=applicant, **NEW_BUSINESS)
    client = client_for(officer)
    changelist = client.get(reverse("admin:enrolment_businessnumberapplication_changelist"))
    assert decide_url(application) in changelist.content.decode()
    page = client.get(decide_url(application)).content.decode()
    assert "Aurora Outfitters Inc." in page and "Businesses on record with the same name" in page
    refused = client.post(decide_url(application), {"decision": "refuse", "reason": ""})
    assert "Say why the application is refused." in refused.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"
    approved = client.post(decide_url(application), {"decision": "approve"})
    assert approved.status_code == 302
    business = Business.objects.get(legal_name="Aurora Outfitters Inc.")
    assert business.memberships.get().user == applicant


def test_rpp_approval_is_refused_while_security_is_short(client_for, officer, rm2, importer_bam):
    application = rpp_apply(
        actor=importer_bam, program_account=rm2, kind="enrol", expected_monthly_ar=D(10)
    )
    response = client_for(officer).post(
        decide_url(application), {"decision": "approve"}, follow=True
    )
    assert "does not yet cover the $5,000.00 required" in response.content.decode()
    rm2.refresh_from_db()
    assert rm2.rpp_status == "not_enrolled"


def test_staff_without_the_decision_permission_may_not_decide(client_for, db):
    clerk = UserFactory(is_staff=True)
    application = bn_application_submit(applicant=UserFactory(), **NEW_BUSINESS)
    assert client_for(clerk).get(decide_url(application)).status_code == 403
