"""The pre-authorized debit page and the officers' file: the password asked again before
signing without losing what was typed, the account number never shown whole, the file
only for officers allowed to send it."""

import datetime
import time
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from financial import cpa005
from financial.models import Statement
from financial.services import posting_create
from financial.statements import statements_issue
from notifications.models import Notification
from payments.models import PadAgreement, PadRun
from payments.services import pad_agreement_sign, pad_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "holder_name": "Maple Imports Inc.",
    "institution": "003",
    "transit": "12345",
    "account_number": "987654321",
    "accept_terms": "on",
}


def page(account) -> str:
    return reverse("pad_agreement", args=[account.bn15])


def new(account) -> str:
    return reverse("pad_agreement_new", args=[account.bn15])


def signed(importer_bam, account) -> PadAgreement:
    return pad_agreement_sign(
        actor=importer_bam,
        program_account=account,
        **{**FORM, "accept_terms": True},
    )


def test_signing_asks_for_the_password_again_and_keeps_what_was_typed(
    client_for, importer_bam, rm1
):
    client = client_for(importer_bam)
    asked = client.get(new(rm1))
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    # Sent after the password's five minutes ran out: asked again, nothing lost.
    response = client.post(new(rm1), FORM)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not PadAgreement.objects.exists()
    # Kept encrypted in the session, never in clear.
    assert "987654321" not in str(dict(client.session))
    # The password typed again (what allauth's page records), back to the form: it holds
    # what was typed.
    session = client.session
    session["account_authentication_methods_user"] = str(importer_bam.pk)
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session.save()
    again = client.get(new(rm1))
    assert again.context["form"].data["account_number"] == "987654321"
    assert again.context["form"].data["transit"] == "12345"
    # Once only: the next visit starts blank.
    assert not client.get(new(rm1)).context["form"].is_bound


def test_the_bam_signs_and_sees_only_the_last_digits(client_for, importer_bam, rm1):
    client = client_for(importer_bam, reauthenticated=True)
    response = client.post(new(rm1), FORM, follow=True)
    assert response.redirect_chain == [(page(rm1), 302)]
    agreement = PadAgreement.objects.get()
    assert agreement.signed_by == importer_bam
    html = response.content.decode()
    assert "•••• 4321" in html and "987654321" not in html
    assert "The pre-authorized debit agreement is signed." in html
    told = Notification.objects.get(kind="pad_agreement")
    assert client.get(told.link).status_code == 200


def test_a_wrong_number_is_explained_in_french_and_what_was_typed_stays(
    client_for, importer_bam, rm1
):
    client = client_for(importer_bam, reauthenticated=True)
    response = client.post(
        f"/fr/program-accounts/{rm1.bn15}/pre-authorized-debit/new/", {**FORM, "transit": "12"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le numéro de domiciliation" in html
    assert 'value="987654321"' in html
    assert not PadAgreement.objects.exists()


def test_unaccepted_terms_sign_nothing(client_for, importer_bam, rm1):
    client = client_for(importer_bam, reauthenticated=True)
    response = client.post(new(rm1), {**FORM, "accept_terms": ""})
    assert response.status_code == 200
    assert "Read and accept the terms" in response.content.decode()
    assert not PadAgreement.objects.exists()


def test_cancelling_from_the_page(client_for, importer_bam, rm1):
    agreement = signed(importer_bam, rm1)
    response = client_for(importer_bam).post(
        reverse("pad_agreement_cancel", args=[rm1.bn15, agreement.pk]), follow=True
    )
    agreement.refresh_from_db()
    assert agreement.cancelled_by == importer_bam
    html = response.content.decode()
    assert "No agreement is in force" in html and "cancelled" in html


def test_the_account_page_links_the_bam_to_it_and_no_one_else(
    client_for, importer_bam, reader, rm1
):
    link = page(rm1)
    account_page = reverse("program_account", args=[rm1.bn15])
    assert link in client_for(importer_bam).get(account_page).content.decode()
    assert link not in client_for(reader).get(account_page).content.decode()


def test_the_page_lists_each_debit_and_why_one_came_back(client_for, importer_bam, rm1):
    from financial.services import payment_return

    signed(importer_bam, rm1)
    posting_create(program_account=rm1, kind="charge", amount=D("80.00"), gst=D("80.00"))
    statements_issue(period_end=_last_period_end())
    statement = Statement.objects.get()
    pad_run(day=statement.due_date)
    payment_return(payment=statement.pad_debit.payment, reason="901")
    html = client_for(importer_bam).get(page(rm1)).content.decode()
    assert "$80.00" in html and "Returned by the bank" in html and "NSF" in html


def _last_period_end() -> datetime.date:
    from django.utils import timezone

    from financial.statements import last_period_end

    return last_period_end(timezone.localdate() + datetime.timedelta(days=40))


# --- The officers' file --------------------------------------------------------------------


@pytest.fixture
def run(importer_bam, rm1) -> PadRun:
    signed(importer_bam, rm1)
    posting_create(program_account=rm1, kind="charge", amount=D("80.00"), gst=D("80.00"))
    statements_issue(period_end=_last_period_end())
    made, _ = pad_run(day=Statement.objects.get().due_date)
    return made


def test_officers_download_the_day_s_file(client_for, officer, run):
    url = reverse("admin:payments_padrun_file", args=[run.pk])
    listing = client_for(officer).get(reverse("admin:payments_padrun_changelist"))
    assert url in listing.content.decode()
    response = client_for(officer).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{run.file_name}"'
    parsed = cpa005.read_debit_file(response.content.decode("ascii"))
    assert parsed.debits[0].account == "987654321"
    # The agreement's admin page shows the last digits only.
    agreement_page = client_for(officer).get(
        reverse("admin:payments_padagreement_change", args=[PadAgreement.objects.get().pk])
    )
    assert "•••• 4321" in agreement_page.content.decode()
    assert "987654321" not in agreement_page.content.decode()


def test_staff_without_the_permission_cannot_download(client_for, run):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_padrun"))
    assert client_for(clerk).get(reverse("admin:payments_padrun_changelist")).status_code == 200
    response = client_for(clerk).get(reverse("admin:payments_padrun_file", args=[run.pk]))
    assert response.status_code == 403
