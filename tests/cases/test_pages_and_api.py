"""Cases on the web and in the API: who reaches what, documents only through the portal,
the contract's shapes and errors, in both languages."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from cases.models import Case, CaseDocument
from cases.services import case_officer_message
from delegation.models import Relationship
from tests.cases.test_cases import DECIDED, appeal, at, filed
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF"


@pytest.fixture
def case(importer_bam, rm2, adjusted):
    return appeal(
        importer_bam,
        rm2,
        [adjusted.transaction_number],
        uploads=[SimpleUploadedFile("evidence.pdf", PDF)],
    )


# --- Pages --------------------------------------------------------------------------------


def test_the_account_lists_its_cases_and_files_an_appeal(
    client_for, importer_bam, rm1, time_machine
):
    time_machine.move_to(at(DECIDED + datetime.timedelta(days=5)))
    declaration = filed(importer_bam, rm1, datetime.date(2026, 3, 1))
    client = client_for(importer_bam)
    account_page = client.get(reverse("program_account", args=[rm1.bn15])).content.decode()
    assert reverse("cases", args=[rm1.bn15]) in account_page
    form = client.get(reverse("appeal_new", args=[rm1.bn15])).content.decode()
    assert declaration.transaction_number in form and "Appeal until" in form
    pdf = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("appeal_new", args=[rm1.bn15]),
        {
            "transaction_numbers": [declaration.transaction_number],
            "reason": "The goods are knitted: heading 61.09, not 62.05.",
            "documents": [pdf],
        },
    )
    case = Case.objects.get()
    assert response["Location"] == reverse("case", args=[case.pk])
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and "letter.pdf" in page and "Submitted" in page
    listing = client.get(reverse("cases", args=[rm1.bn15]) + "?status=submitted")
    assert case.number in listing.content.decode()
    assert (
        case.number
        not in client.get(reverse("cases", args=[rm1.bn15]) + "?status=withdrawn").content.decode()
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "is not a PDF, PNG, JPEG, CSV or XLSX file"),
        ("fr", "n'est pas un fichier PDF, PNG, JPEG, CSV ou XLSX"),
    ],
)
def test_a_bad_file_is_explained_and_nothing_is_kept(
    client_for, importer_bam, case, language, words
):
    url = reverse("case", args=[case.pk]).replace("/en/", f"/{language}/")
    response = client_for(importer_bam).post(
        url,
        {"body": "Here is the invoice.", "documents": [SimpleUploadedFile("inv.pdf", b"\0\1\2")]},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "inv.pdf" in body
    assert words in body.replace("&#x27;", "'")
    assert "Here is the invoice." in body  # what was typed is kept
    assert case.messages.count() == 0 and case.documents.count() == 1


def test_documents_only_through_the_portal(client_for, importer_bam, outsider, broker_bm, case):
    document = case.documents.get()
    url = reverse("case_document", args=[case.pk, document.pk])
    response = client_for(importer_bam).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="evidence.pdf"' in response["Content-Disposition"]
    # Another tenant: not there, by the case's id or by the document's.
    assert client_for(outsider).get(url).status_code == 404
    other_case = Case.objects.create(
        program_account=outsider.memberships.get().business.program_accounts.get(),
        kind="ruling",
        status="submitted",
        reason="x" * 30,
        ruling_type="origin",
        goods_description="y" * 30,
        filed_by=outsider.memberships.get().business,
        filed_by_user=outsider,
    )
    assert (
        client_for(outsider)
        .get(reverse("case_document", args=[other_case.pk, document.pk]))
        .status_code
        == 404
    )
    # A broker that sees the account without the Cases grant: 403.
    assert client_for(broker_bm).get(url).status_code == 403
    assert not CaseDocument.objects.filter(file__startswith="/").exists()


def test_a_broker_needs_the_cases_grant(client_for, maple, rm1, importer_bam, broker_bm):
    declaration = filed(importer_bam, rm1, datetime.date.today() - datetime.timedelta(days=3))
    own = appeal(
        importer_bam,
        rm1,
        [declaration.transaction_number],
        when=at(datetime.date.today() - datetime.timedelta(days=1)),
    )
    client = client_for(broker_bm)
    for url in (reverse("cases", args=[rm1.bn15]), reverse("case", args=[own.pk])):
        assert client.get(url).status_code == 403
    relationship = Relationship.objects.get(importer=maple)
    relationship.sees_cases = True
    relationship.save()
    assert client.get(reverse("case", args=[own.pk])).status_code == 200
    third_parties = client_for(importer_bam).get(reverse("third_parties", args=[maple.bn9]))
    assert "Cases" in third_parties.content.decode()


def test_the_home_page_shows_cases_waiting_on_the_user(client_for, importer_bam, officer, case):
    case_officer_message(
        officer=officer,
        case=case,
        body="Send the mill certificate.",
        information_due=datetime.date.today() + datetime.timedelta(days=14),
    )
    home = client_for(importer_bam).get("/en/").content.decode()
    assert "CBSA is waiting for information from you" in home and case.number in home
    # A reader of the same account sees the case, but the notice asks for what only those
    # who may file and follow cases can give.
    reader = UserFactory(email="reader.rm2@maple.example")
    member(reader, case.program_account.business, Role.READER, [case.program_account])
    home = client_for(reader).get("/en/").content.decode()
    assert case.program_account.display_number in home
    assert "CBSA is waiting for information from you" not in home


# --- API ----------------------------------------------------------------------------------


def test_api_files_an_appeal_and_refuses_one_out_of_its_window(
    client_for,
    importer_bam,
    rm2,
    adjusted,
    time_machine,
):
    api = client_for(importer_bam)
    body = {
        "kind": "appeal",
        "program_account": rm2.bn15,
        "transaction_numbers": [adjusted.transaction_number],
        "reason": "The goods are knitted: heading 61.09, not 62.05.",
    }
    time_machine.move_to(at(datetime.date(2026, 6, 1), 9))
    late = api.post(reverse("api-cases"), body, content_type="application/json")
    assert late.status_code == 400
    assert late.json()["code"] == "past_appeal_window"
    assert adjusted.transaction_number in late.json()["errors"]["transaction_numbers"][0]
    time_machine.move_to(at(datetime.date(2026, 5, 31), 23))
    created = api.post(
        reverse("api-cases"), {**body, "draft": True}, content_type="application/json"
    )
    assert created.status_code == 201
    assert created.json()["status"] == "draft" and created.json()["id"]
    pk = created.json()["id"]
    sent = api.patch(
        reverse("api-case", args=[pk]), {"status": "submitted"}, content_type="application/json"
    )
    assert sent.json()["status"] == "submitted"
    detail = api.get(reverse("api-case", args=[pk])).json()
    assert detail["declarations"][0]["disputed"] == "312.50"
    assert [event["to_status"] for event in detail["events"]] == ["submitted"]
    upload = api.post(
        reverse("api-case-documents", args=[pk]),
        {"file": SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 16)},
    )
    assert upload.status_code == 201 and upload.json()[0]["content_type"] == "image/png"
    message = api.post(
        reverse("api-case-messages", args=[pk]),
        {"body": "See the scan."},
        content_type="application/json",
    )
    assert message.status_code == 201
    assert len(api.get(reverse("api-case-messages", args=[pk])).json()) == 1
    assert [row["id"] for row in api.get(reverse("api-cases")).json()["results"]] == [pk]
    withdrawn = api.patch(
        reverse("api-case", args=[pk]), {"status": "withdrawn"}, content_type="application/json"
    )
    assert withdrawn.json()["status"] == "withdrawn"


def test_api_who_sees_what(client_for, outsider, reader, case):
    assert client_for(outsider).get(reverse("api-case", args=[case.pk])).status_code == 404
    assert client_for(outsider).get(reverse("api-cases")).json()["results"] == []
    bad_file = client_for(reader).post(
        reverse("api-case-documents", args=[case.pk]),
        {"file": SimpleUploadedFile("x.pdf", PDF)},
    )
    assert bad_file.status_code == 404  # RM0002 is not in the reader's scope


def test_api_refuses_a_bad_file_with_the_contracts_error(client_for, importer_bam, case):
    response = client_for(importer_bam).post(
        reverse("api-case-documents", args=[case.pk]),
        {"file": SimpleUploadedFile("run.pdf", b"MZ\x90\x00" + b"\0" * 60)},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "file_type" and "run.pdf" in response.json()["detail"]
    assert "file" in response.json()["errors"]


# --- The officer's work page --------------------------------------------------------------


def test_an_officer_works_a_case_in_the_admin(client_for, officer, importer_bam, rm2, case):
    from financial.selectors import account_balance

    client = client_for(officer)
    work = reverse("admin:cases_case_work", args=[case.pk])
    assert work in client.get(reverse("admin:cases_case_changelist")).content.decode()
    page = client.get(work).content.decode()
    assert case.number in page and "evidence.pdf" in page
    document = case.documents.get()
    download = client.get(reverse("admin:cases_case_document", args=[case.pk, document.pk]))
    assert b"".join(download.streaming_content) == PDF
    client.post(work, {"assign": "1"})
    due = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    client.post(
        work, {"message": "1", "body": "Send the mill certificate.", "information_due": due}
    )
    case.refresh_from_db()
    assert (case.status, case.assigned_to) == ("information_requested", officer)
    balance = account_balance(rm2)
    client.post(work, {"decide": "1", "outcome": "allowed", "text": "Knitted goods."})
    case.refresh_from_db()
    assert case.status == "decision_rendered"
    assert account_balance(rm2) == balance - case.declarations.get().disputed


def test_staff_without_the_work_permission_reads_but_does_not_act(client_for, case):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_case"))
    work = reverse("admin:cases_case_work", args=[case.pk])
    client = client_for(clerk)
    assert client.get(work).status_code == 200
    assert client.post(work, {"assign": "1"}).status_code == 403
    case.refresh_from_db()
    assert case.status == "submitted"
    assert client_for(UserFactory(is_staff=True)).get(work).status_code == 403
