"""Refunds of a credit balance (docs/rules.md §14): a Business Account Manager asks, an
officer approves or refuses, then issues; issuing posts the refund, which the credit pays.
Services, the importer's pages in both languages, the officers' admin and the API."""

from decimal import Decimal as D

import pytest
from django.db import InternalError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import translation

from financial.errors import FinancialError
from financial.models import Allocation, Posting, RefundRequest
from financial.selectors import account_balance, ledger_mismatches
from financial.services import (
    posting_create,
    refund_request_approve,
    refund_request_create,
    refund_request_issue,
    refund_request_refuse,
)
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def credit(account, amount: str) -> Posting:
    return posting_create(program_account=account, kind="payment", amount=-D(amount))


def charge(account, amount: str) -> Posting:
    return posting_create(program_account=account, kind="charge", amount=D(amount), gst=D(amount))


def ask(user, account, amount: str, key: str = "k1") -> RefundRequest:
    refund, _created = refund_request_create(
        actor=user, program_account=account, amount=D(amount), idempotency_key=key
    )
    return refund


# --- Services --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "amount", "code"),
    [
        ("credit", "0", "amount"),
        ("credit", "-5.00", "amount"),
        ("credit", "10.001", "amount"),
        ("credit", "100.01", "refund_over_credit"),
        ("debt", "10.00", "refund_with_debt"),
        ("nothing", "10.00", "refund_with_debt"),
    ],
)
def test_a_request_is_refused_and_writes_nothing(importer_bam, rm1, setup, amount, code):
    if setup == "credit":
        credit(rm1, "100.00")
    elif setup == "debt":
        charge(rm1, "50.00")
    with pytest.raises(FinancialError) as refused:
        ask(importer_bam, rm1, amount)
    assert refused.value.code == code
    assert not RefundRequest.objects.exists() and not Notification.objects.exists()


def test_the_refusal_says_how_much_may_be_refunded_in_french(importer_bam, rm1):
    credit(rm1, "100.00")
    with pytest.raises(FinancialError) as refused:
        ask(importer_bam, rm1, "150.00")
    with translation.override("fr"):
        assert "100,00" in refused.value.message and "remboursement" in refused.value.message


def test_one_request_waits_at_a_time(importer_bam, rm1, officer):
    credit(rm1, "100.00")
    first = ask(importer_bam, rm1, "40.00")
    with pytest.raises(FinancialError) as refused:
        ask(importer_bam, rm1, "10.00", key="k2")
    assert refused.value.code == "refund_open" and "$40.00" in refused.value.message
    refund_request_approve(officer=officer, refund=first)
    with pytest.raises(FinancialError):
        ask(importer_bam, rm1, "10.00", key="k2")
    refund_request_refuse(officer=officer, refund=first, reason="Bank details needed.")
    assert ask(importer_bam, rm1, "10.00", key="k2").status == "requested"


@pytest.mark.parametrize("who", ["reader", "editor", "pam", "broker_bm"])
def test_only_a_business_account_manager_requests(request, rm1, who):
    credit(rm1, "100.00")
    with pytest.raises(FinancialError) as refused:
        ask(request.getfixturevalue(who), rm1, "10.00")
    assert refused.value.code == "not_allowed"
    assert not RefundRequest.objects.exists()


def test_the_same_key_is_the_same_request(importer_bam, rm1):
    credit(rm1, "100.00")
    first, created = refund_request_create(
        actor=importer_bam, program_account=rm1, amount=D("25.00"), idempotency_key="same"
    )
    again, created_again = refund_request_create(
        actor=importer_bam, program_account=rm1, amount=D("25.00"), idempotency_key="same"
    )
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(FinancialError) as refused:
        ask(importer_bam, rm1, "26.00", key="same")
    assert refused.value.code == "refund_idempotency_conflict" and refused.value.status == 409
    assert RefundRequest.objects.count() == 1


def test_requested_approved_issued_each_once(importer_bam, rm1, officer):
    paid = credit(rm1, "100.00")
    refund = ask(importer_bam, rm1, "60.00")
    assert refund.status == "requested" and refund.requested_by == importer_bam
    for _ in range(2):
        refund = refund_request_approve(officer=officer, refund=refund)
    assert refund.status == "approved" and refund.approved_by == officer
    for _ in range(2):
        refund = refund_request_issue(officer=officer, refund=refund)
    assert refund.status == "issued" and refund.issued_by == officer and refund.issued_at
    posting = Posting.objects.get(kind="refund")
    assert refund.posting == posting and posting.amount == D("60.00")
    assert account_balance(rm1) == D("-40.00") and not list(ledger_mismatches())
    # The refund is paid by the credit it refunds.
    rows = Allocation.objects.filter(debit=posting)
    assert rows.aggregate(total=Sum("amount"))["total"] == D("60.00")
    assert set(rows.values_list("credit", flat=True)) == {paid.pk}
    kinds = list(
        Notification.objects.filter(recipient=importer_bam)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["refund_requested", "refund_approved", "refund_issued"]
    issued = Notification.objects.get(kind="refund_issued")
    assert issued.link == reverse("refund", args=[rm1.bn15, refund.pk])
    assert "$60.00" in issued.body and rm1.bn15 in issued.body
    with translation.override("fr"):
        assert "remboursement" in Notification.objects.get(kind="refund_issued").body


def test_issuing_checks_the_credit_again(importer_bam, rm1, officer):
    credit(rm1, "100.00")
    refund = refund_request_approve(officer=officer, refund=ask(importer_bam, rm1, "100.00"))
    charge(rm1, "30.00")  # the credit paid a new charge meanwhile
    with pytest.raises(FinancialError) as refused:
        refund_request_issue(officer=officer, refund=refund)
    assert refused.value.code == "refund_over_credit" and "$70.00" in refused.value.message
    refund.refresh_from_db()
    assert refund.status == "approved" and not Posting.objects.filter(kind="refund").exists()
    charge(rm1, "80.00")
    with pytest.raises(FinancialError) as refused:
        refund_request_issue(officer=officer, refund=refund)
    assert refused.value.code == "refund_with_debt"


def test_a_refusal_needs_a_reason_and_is_final(importer_bam, rm1, officer):
    credit(rm1, "100.00")
    refund = ask(importer_bam, rm1, "10.00")
    with pytest.raises(FinancialError) as refused:
        refund_request_refuse(officer=officer, refund=refund, reason="  ")
    assert refused.value.code == "refund_refusal_reason"
    refund = refund_request_refuse(officer=officer, refund=refund, reason="Under audit.")
    refund = refund_request_refuse(officer=officer, refund=refund, reason="Again.")
    assert refund.status == "refused" and refund.refusal_reason == "Under audit."
    for service in (refund_request_approve, refund_request_issue):
        with pytest.raises(FinancialError) as refused:
            service(officer=officer, refund=refund)
        assert refused.value.code == "refund_already_decided"
    assert "refused" in refused.value.message
    notice = Notification.objects.get(kind="refund_refused")
    assert "Under audit." in notice.body
    assert not Posting.objects.filter(kind="refund").exists()


def test_an_issued_refund_is_not_refused_and_a_requested_one_not_issued(importer_bam, rm1, officer):
    credit(rm1, "100.00")
    refund = ask(importer_bam, rm1, "10.00")
    with pytest.raises(FinancialError) as refused:
        refund_request_issue(officer=officer, refund=refund)
    assert refused.value.code == "refund_not_approved"
    refund = refund_request_issue(
        officer=officer, refund=refund_request_approve(officer=officer, refund=refund)
    )
    with pytest.raises(FinancialError) as refused:
        refund_request_refuse(officer=officer, refund=refund, reason="Late.")
    assert refused.value.code == "refund_already_decided"


def test_only_officers_with_the_permission_decide_and_issue(importer_bam, rm1):
    credit(rm1, "100.00")
    refund = ask(importer_bam, rm1, "10.00")
    clerk = UserFactory(is_staff=True)
    for service in (refund_request_approve, refund_request_issue):
        with pytest.raises(FinancialError) as refused:
            service(officer=clerk, refund=refund)
        assert refused.value.code == "not_an_officer"


def test_a_request_is_never_edited_nor_deleted(importer_bam, rm1, officer):
    credit(rm1, "100.00")
    refund = ask(importer_bam, rm1, "10.00")
    rows = RefundRequest.objects.filter(pk=refund.pk)
    for change in (lambda: rows.update(amount=D("99.00")), lambda: rows.delete()):
        with pytest.raises(InternalError), transaction.atomic():
            change()
    refund = refund_request_approve(officer=officer, refund=refund)
    with pytest.raises(InternalError), transaction.atomic():
        rows.update(approved_at=None, status="requested")  # an approval stays given
    refund_request_issue(officer=officer, refund=refund)
    with pytest.raises(InternalError), transaction.atomic():
        rows.update(status="approved", issued_at=None, issued_by=None, posting=None)
    assert rows.get().status == "issued"


# --- The importer's pages ----------------------------------------------------------------


def test_the_bam_requests_a_refund_on_the_refunds_page(client_for, importer_bam, rm1):
    credit(rm1, "120.50")
    client = client_for(importer_bam)
    account_page = client.get(reverse("program_account", args=[rm1.bn15])).content.decode()
    assert reverse("refunds", args=[rm1.bn15]) in account_page
    page = client.get(reverse("refunds", args=[rm1.bn15])).content.decode()
    assert "$120.50" in page and "Request the refund" in page
    key = "form-key"
    over = client.post(
        reverse("refunds", args=[rm1.bn15]), {"amount": "200", "idempotency_key": key}
    )
    assert "The refund cannot exceed the credit of $120.50." in over.content.decode()
    assert not RefundRequest.objects.exists()
    response = client.post(
        reverse("refunds", args=[rm1.bn15]), {"amount": "100", "idempotency_key": key}
    )
    refund = RefundRequest.objects.get()
    assert response["Location"] == reverse("refund", args=[rm1.bn15, refund.pk])
    # A second submit of the same form is the same request.
    client.post(reverse("refunds", args=[rm1.bn15]), {"amount": "100", "idempotency_key": key})
    assert RefundRequest.objects.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert refund.reference in detail and "Requested" in detail and "$100.00" in detail
    listing = client.get(reverse("refunds", args=[rm1.bn15])).content.decode()
    assert "is waiting for CBSA" in listing and "Request the refund" not in listing
    again = client.post(
        reverse("refunds", args=[rm1.bn15]), {"amount": "5", "idempotency_key": "other"}
    ).content.decode()
    assert "already waiting for CBSA" in again and RefundRequest.objects.count() == 1


def test_the_refund_pages_in_french(client_for, importer_bam, rm1, officer):
    credit(rm1, "50.00")
    refund = ask(importer_bam, rm1, "50.00")
    refund_request_refuse(officer=officer, refund=refund, reason="Compte en vérification.")
    client = client_for(importer_bam)
    listing = client.get(
        reverse("refunds", args=[rm1.bn15]).replace("/en/", "/fr/")
    ).content.decode()
    assert "Remboursements" in listing and "Refusée" in listing and "50,00" in listing
    detail = client.get(
        reverse("refund", args=[rm1.bn15, refund.pk]).replace("/en/", "/fr/")
    ).content.decode()
    assert "Raison : Compte en vérification." in detail
    zero = client.post(
        reverse("refunds", args=[rm1.bn15]).replace("/en/", "/fr/"),
        {"amount": "0", "idempotency_key": "fr"},
    ).content.decode()
    assert "Il y a un problème" in zero and not RefundRequest.objects.filter(amount=0).exists()


def test_a_reader_follows_refunds_but_does_not_request(client_for, importer_bam, reader, rm1):
    credit(rm1, "50.00")
    refund = ask(importer_bam, rm1, "20.00")
    client = client_for(reader)
    page = client.get(reverse("refunds", args=[rm1.bn15])).content.decode()
    assert refund.reference in page and "Request the refund" not in page
    posted = client.post(reverse("refunds", args=[rm1.bn15]), {"amount": "5"})
    assert posted.status_code == 403
    assert client.get(reverse("refund", args=[rm1.bn15, refund.pk])).status_code == 200


def test_another_accounts_request_is_not_found(client_for, importer_bam, rm1, rm2):
    credit(rm1, "50.00")
    refund = ask(importer_bam, rm1, "20.00")
    response = client_for(importer_bam).get(reverse("refund", args=[rm2.bn15, refund.pk]))
    assert response.status_code == 404


# --- The officers' admin -----------------------------------------------------------------


def test_officers_approve_and_issue_with_admin_actions(client_for, officer, importer_bam, rm1):
    credit(rm1, "80.00")
    refund = ask(importer_bam, rm1, "80.00")
    client = client_for(officer)
    changelist = reverse("admin:financial_refundrequest_changelist")
    approved = client.post(
        changelist, {"action": "approve_refunds", "_selected_action": [refund.pk]}, follow=True
    )
    assert "1 refund request approved." in approved.content.decode()
    issued = client.post(
        changelist, {"action": "issue_refunds", "_selected_action": [refund.pk]}, follow=True
    )
    assert "1 refund issued and posted to the ledger." in issued.content.decode()
    refund.refresh_from_db()
    assert refund.status == "issued" and account_balance(rm1) == D("0.00")


def test_officers_act_from_the_requests_page(client_for, officer, importer_bam, rm1):
    credit(rm1, "80.00")
    refund = ask(importer_bam, rm1, "30.00")
    client = client_for(officer)
    change = reverse("admin:financial_refundrequest_change", args=[refund.pk])
    page = client.get(change).content.decode()
    assert "Approve this refund" in page and "Refuse this refund" in page
    assert "Issue this refund" not in page and "80.00" in page  # the credit now
    client.post(reverse("admin:financial_refundrequest_approve", args=[refund.pk]))
    page = client.get(change).content.decode()
    assert "Issue this refund" in page and "Approve this refund" not in page
    client.post(reverse("admin:financial_refundrequest_issue", args=[refund.pk]))
    refund.refresh_from_db()
    assert refund.status == "issued" and Posting.objects.filter(kind="refund").count() == 1


def test_an_officer_refuses_with_a_reason(client_for, officer, importer_bam, rm1):
    credit(rm1, "80.00")
    refund = ask(importer_bam, rm1, "30.00")
    client = client_for(officer)
    url = reverse("admin:financial_refundrequest_refuse", args=[refund.pk])
    assert "Refuse the refund" in client.get(url).content.decode()
    blank = client.post(url, {"reason": ""})
    assert blank.status_code == 200 and RefundRequest.objects.get().status == "requested"
    done = client.post(url, {"reason": "The account is under audit."})
    assert done.status_code == 302
    refund.refresh_from_db()
    assert refund.status == "refused" and refund.refused_by == officer


def test_staff_without_the_permissions_act_on_no_refund(client_for, importer_bam, rm1):
    from django.contrib.auth.models import Permission

    credit(rm1, "80.00")
    refund = ask(importer_bam, rm1, "30.00")
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_refundrequest"))
    client = client_for(clerk)
    page = client.get(
        reverse("admin:financial_refundrequest_change", args=[refund.pk])
    ).content.decode()
    assert "Approve this refund" not in page and "Refuse this refund" not in page
    for step in ("approve", "issue", "refuse"):
        url = reverse(f"admin:financial_refundrequest_{step}", args=[refund.pk])
        assert client.post(url, {"reason": "x"}).status_code == 403
    client.post(
        reverse("admin:financial_refundrequest_changelist"),
        {"action": "approve_refunds", "_selected_action": [refund.pk]},
    )
    assert RefundRequest.objects.get().status == "requested"


# --- API -------------------------------------------------------------------------------------


def api_ask(client, account, body, key="api-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"/api/v1/program-accounts/{account.bn15}/refunds/",
        body,
        content_type="application/json",
        **headers,
    )


def test_the_api_lists_and_requests_refunds(client_for, importer_bam, rm1):
    credit(rm1, "90.00")
    client = client_for(importer_bam)
    missing = api_ask(client, rm1, {"amount": "10.00"}, key=None)
    assert missing.status_code == 400 and missing.json()["code"] == "refund_idempotency_key"
    over = api_ask(client, rm1, {"amount": "90.01"})
    assert over.status_code == 400 and over.json()["code"] == "refund_over_credit"
    first = api_ask(client, rm1, {"amount": "10.00"})
    assert first.status_code == 201 and first.json()["status"] == "requested"
    replay = api_ask(client, rm1, {"amount": "10.00"})
    assert replay.json()["id"] == first.json()["id"] and replay["Idempotent-Replayed"] == "true"
    assert api_ask(client, rm1, {"amount": "11.00"}).status_code == 409
    listed = client.get(f"/api/v1/program-accounts/{rm1.bn15}/refunds/").json()["results"]
    assert [row["amount"] for row in listed] == ["10.00"]
    assert listed[0]["bn15"] == rm1.bn15 and listed[0]["reference"].startswith("RF")


def test_a_reader_lists_but_may_not_request_through_the_api(client_for, reader, rm1):
    credit(rm1, "90.00")
    client = client_for(reader)
    assert client.get(f"/api/v1/program-accounts/{rm1.bn15}/refunds/").status_code == 200
    assert api_ask(client, rm1, {"amount": "10.00"}).status_code == 403
