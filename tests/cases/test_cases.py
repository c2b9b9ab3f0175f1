"""Cases: appeals within their windows, grouped declarations of one account, decisions
that post their credit once, the conversation and its reminders, documents checked by
their content. Customs Act s. 60 and s. 60.1; docs/rules.md §11."""

import datetime
import threading
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from cases.errors import CaseError
from cases.models import Case, CaseDeclaration, CaseDocument
from cases.services import (
    case_assign,
    case_decide,
    case_file,
    case_message_post,
    case_officer_message,
    case_submit,
    case_withdraw,
    information_reminders_send,
)
from financial.calendar import EASTERN
from financial.models import Posting
from financial.selectors import account_balance
from financial.services import declaration_file
from notifications.models import Notification
from tests.factories import ProgramAccountFactory

pytestmark = pytest.mark.django_db

LINE = {
    "hs_code": "6109100010",
    "description": "Cotton T-shirts",
    "quantity": D("100"),
    "value_for_duty": D("1000.00"),
    "duty_rate": D("0.18"),
}  # duty $180.00, GST 5 % of $1,180.00 = $59.00: $239.00


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=EASTERN)


DECIDED = datetime.date(2026, 3, 2)


def filed(actor, account, day: datetime.date = datetime.date(2026, 1, 5)):
    return declaration_file(
        actor=actor,
        program_account=account,
        release_date=day,
        port_of_entry="0497",
        vendor="Sakura Textiles Co.",
        lines=[LINE],
        at=at(day, 10),
    )


def appeal(actor, account, numbers, *, kind="appeal", when=None, **extra):
    return case_file(
        actor=actor,
        program_account=account,
        kind=kind,
        reason="The goods are knitted, not woven: heading 61.09 at 18 %, not 25 %.",
        transaction_numbers=numbers,
        at=when or at(DECIDED + datetime.timedelta(days=10)),
        **extra,
    )


# --- Windows, on their boundaries --------------------------------------------------------


def test_an_appeal_is_filed_until_the_last_minute_of_the_90th_day(importer_bam, rm2, adjusted):
    """Decided March 2: the 90th day is May 31, 2026, counted in full, Eastern time."""
    last = DECIDED + datetime.timedelta(days=90)
    assert last == datetime.date(2026, 5, 31)
    case = appeal(importer_bam, rm2, [adjusted.transaction_number], when=at(last, 23, 59))
    assert (case.kind, case.status) == ("appeal", "submitted")
    link = case.declarations.get()
    assert (link.decision_date, link.disputed) == (DECIDED, D("312.50"))


def test_the_next_day_only_an_extension(importer_bam, rm2, adjusted):
    june_1 = at(datetime.date(2026, 6, 1), 0, 1)
    with pytest.raises(CaseError) as refused:
        appeal(importer_bam, rm2, [adjusted.transaction_number], when=june_1)
    assert refused.value.code == "past_appeal_window"
    assert adjusted.transaction_number in refused.value.message
    with translation.override("fr"):
        assert "prorogation" in refused.value.message
    case = appeal(
        importer_bam, rm2, [adjusted.transaction_number], kind="appeal_extension", when=june_1
    )
    assert case.kind == "appeal_extension"


def test_an_extension_until_a_year_after_the_90_days(importer_bam, rm2, adjusted):
    last = datetime.date(2027, 5, 31)
    number = adjusted.transaction_number
    with pytest.raises(CaseError) as early:
        appeal(importer_bam, rm2, [number], kind="appeal_extension", when=at(DECIDED, 15))
    assert early.value.code == "within_appeal_window"
    with pytest.raises(CaseError) as late:
        appeal(
            importer_bam,
            rm2,
            [number],
            kind="appeal_extension",
            when=at(last + datetime.timedelta(1), 0),
        )
    assert late.value.code == "past_extension_window"
    case = appeal(importer_bam, rm2, [number], kind="appeal_extension", when=at(last, 23, 59))
    assert case.status == "submitted"


def test_a_declaration_without_an_adjustment_is_appealed_from_its_accounting(importer_bam, rm2):
    declaration = filed(importer_bam, rm2, datetime.date(2026, 4, 1))
    case = appeal(
        importer_bam, rm2, [declaration.transaction_number], when=at(datetime.date(2026, 6, 30))
    )
    assert case.declarations.get().decision_date == datetime.date(2026, 4, 1)


def test_one_appeal_groups_declarations_of_one_account_only(importer_bam, rm1, rm2, adjusted):
    other = filed(importer_bam, rm1)  # RM0001: another program account
    with pytest.raises(CaseError) as refused:
        appeal(importer_bam, rm2, [adjusted.transaction_number, other.transaction_number])
    assert refused.value.code == "unknown_declaration"
    assert other.transaction_number in refused.value.message
    second = filed(importer_bam, rm2, datetime.date(2026, 3, 1))
    case = appeal(importer_bam, rm2, [adjusted.transaction_number, second.transaction_number])
    assert case.declarations.count() == 2
    with pytest.raises(CaseError) as again:
        appeal(importer_bam, rm2, [second.transaction_number])
    assert again.value.code == "already_appealed"


def test_a_draft_is_checked_again_when_sent(importer_bam, rm2, adjusted):
    case = appeal(importer_bam, rm2, [adjusted.transaction_number], draft=True)
    assert case.status == "draft" and not Notification.objects.filter(kind="case_status")
    with pytest.raises(CaseError) as refused:
        case_submit(actor=importer_bam, case=case, at=at(datetime.date(2026, 9, 1)))
    assert refused.value.code == "past_appeal_window"
    case_submit(actor=importer_bam, case=case, at=at(datetime.date(2026, 5, 1)))
    case.refresh_from_db()
    assert case.status == "submitted"


# --- Decisions with effect --------------------------------------------------------------


def test_an_appeal_allowed_credits_each_declaration_once(importer_bam, officer, rm2, adjusted):
    second = filed(importer_bam, rm2, datetime.date(2026, 3, 1))
    case = appeal(importer_bam, rm2, [adjusted.transaction_number, second.transaction_number])
    before = account_balance(rm2)
    case_assign(officer=officer, case=case)
    case_decide(officer=officer, case=case, outcome="allowed", text="The goods are knitted.")
    # $312.50 and $239.00 credited: one adjustment posting each, linked to the case.
    credits = Posting.objects.filter(case_link__case=case).order_by("transaction_number")
    assert sorted(p.amount for p in credits) == [D("-312.50"), D("-239.00")]
    assert account_balance(rm2) == before - D("551.50")
    for posting in credits:
        assert posting.kind == "adjustment" and posting.description == case.number
        assert posting.duty + posting.gst == posting.amount
    with pytest.raises(CaseError) as twice:
        case_decide(officer=officer, case=case, outcome="allowed", text="Again.")
    assert twice.value.code == "already_decided"
    assert Posting.objects.filter(case_link__case=case).count() == 2
    assert Notification.objects.filter(recipient=importer_bam, kind="case_decision").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officers_deciding_at_once_post_the_credit_once(importer_bam, officer, rm2, adjusted):
    case = appeal(importer_bam, rm2, [adjusted.transaction_number])
    results, errors = [], []

    def decide():
        try:
            results.append(
                case_decide(officer=officer, case=case, outcome="allowed", text="Knitted.")
            )
        except CaseError as error:
            errors.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(results), errors) == (1, ["already_decided"])
    assert Posting.objects.filter(case_link__case=case).count() == 1


def test_allowed_in_part_and_denied(importer_bam, officer, rm2, adjusted):
    case = appeal(importer_bam, rm2, [adjusted.transaction_number])
    link = case.declarations.get()
    with pytest.raises(CaseError) as over:
        case_decide(
            officer=officer,
            case=case,
            outcome="allowed_in_part",
            text="Part.",
            credits={link.pk: D("312.51")},
        )
    assert over.value.code == "credit"
    case_decide(
        officer=officer,
        case=case,
        outcome="allowed_in_part",
        text="The duty part only.",
        credits={link.pk: D("73.50")},
    )
    posting = Posting.objects.get(case_link__case=case)
    assert posting.amount == D("-73.50") and posting.duty + posting.gst == D("-73.50")
    denied = filed(importer_bam, rm2, datetime.date(2026, 3, 1))
    other = appeal(importer_bam, rm2, [denied.transaction_number])
    case_decide(officer=officer, case=other, outcome="denied", text="As classified.")
    assert not Posting.objects.filter(case_link__case=other).exists()


def test_a_withdrawn_case_changes_nothing(importer_bam, officer, rm2, adjusted):
    case = appeal(importer_bam, rm2, [adjusted.transaction_number])
    balance = account_balance(rm2)
    case_withdraw(actor=importer_bam, case=case)
    with pytest.raises(CaseError) as refused:
        case_decide(officer=officer, case=case, outcome="allowed", text="Too late.")
    assert refused.value.code == "status"
    assert (
        account_balance(rm2) == balance
        and not CaseDeclaration.objects.exclude(posting=None).exists()
    )


# --- Conversation, statuses, reminders ---------------------------------------------------


def test_information_requested_answered_and_reminded(importer_bam, reader, officer, rm1):
    case = case_file(
        actor=importer_bam,
        program_account=rm1,
        kind="ruling",
        ruling_type="classification",
        goods_description="Knitted cotton T-shirts, crew neck, short sleeves.",
        proposed_classification="6109.10.00.10",
        reason="Heading 61.09 or 62.05: which applies to these shirts?",
    )
    assert case.proposed_classification == "6109100010"
    case_assign(officer=officer, case=case)
    due = datetime.date.today() + datetime.timedelta(days=20)
    case_officer_message(
        officer=officer,
        case=case,
        body="Send the fabric's specification sheet.",
        information_due=due,
    )
    case.refresh_from_db()
    assert (case.status, case.information_due) == ("information_requested", due)
    # The reader whose scope has RM0001 hears of each step; the BAM of each step but the
    # submission it made itself.
    assert Notification.objects.filter(recipient=reader, kind="case_status").count() == 3
    assert Notification.objects.filter(recipient=importer_bam, kind="case_status").count() == 2
    assert information_reminders_send(day=due - datetime.timedelta(days=6)) == 0
    assert information_reminders_send(day=due - datetime.timedelta(days=7)) == 2
    assert information_reminders_send(day=due - datetime.timedelta(days=7)) == 0  # once
    pdf = SimpleUploadedFile("spec.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF")
    case_message_post(actor=importer_bam, case=case, body="Attached.", uploads=[pdf])
    case.refresh_from_db()
    assert (case.status, case.information_due) == ("submitted", None)
    assert list(case.events.values_list("to_status", flat=True)) == [
        "submitted",
        "assigned",
        "information_requested",
        "submitted",
    ]
    assert case.documents.get().content_type == "application/pdf"
    case_decide(
        officer=officer,
        case=case,
        outcome="ruling",
        text="Heading 61.09: knitted.",
        classification="6109100010",
        effective_date=datetime.date(2026, 12, 1),
    )
    case.refresh_from_db()
    assert case.ruling.number == f"R-2026-{case.pk:06d}"


# --- Documents --------------------------------------------------------------------------

FILES = {
    "report.pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    "photo.png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "image/png"),
    "photo.jpg": (b"\xff\xd8\xff\xe0" + b"\0" * 32, "image/jpeg"),
    "lines.csv": (b"hs_code,value\n6109100010,1000.00\n", "text/csv"),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_accepted_files_are_read_from_their_content(importer_bam, rm2, adjusted, name):
    data, kind = FILES[name]
    upload = SimpleUploadedFile(f"renamed-{name}.bin", data)  # the name says nothing
    case = appeal(importer_bam, rm2, [adjusted.transaction_number], uploads=[upload])
    document = case.documents.get()
    assert (document.content_type, document.name) == (kind, f"renamed-{name}.bin")
    assert document.file.name.startswith("cases/") and name not in document.file.name


def test_an_xlsx_workbook_is_accepted_and_a_word_file_is_not(importer_bam, rm2, adjusted):
    import io
    import zipfile

    def archive(*names) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zipped:
            for member in names:
                zipped.writestr(member, "<x/>")
        return buffer.getvalue()

    workbook = SimpleUploadedFile("lines.xlsx", archive("[Content_Types].xml", "xl/workbook.xml"))
    case = appeal(importer_bam, rm2, [adjusted.transaction_number], uploads=[workbook])
    assert case.documents.get().content_type.endswith("spreadsheetml.sheet")
    letter = SimpleUploadedFile("letter.xlsx", archive("[Content_Types].xml", "word/document.xml"))
    with pytest.raises(CaseError) as refused:
        case_message_post(actor=importer_bam, case=case, body="Here.", uploads=[letter])
    assert refused.value.code == "file_type"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 64, "file_type"),  # a program, named .pdf
        (b"<html><script>alert(1)</script></html>", "file_type"),
        (b"%PDF-" + b"\0" * (10 * 1024 * 1024), "file_size"),
    ],
)
def test_bad_files_are_refused_in_both_languages(importer_bam, rm2, adjusted, data, code):
    upload = SimpleUploadedFile("invoice.pdf", data)
    with pytest.raises(CaseError) as refused:
        appeal(importer_bam, rm2, [adjusted.transaction_number], uploads=[upload])
    assert refused.value.code == code and "invoice.pdf" in refused.value.message
    with translation.override("fr"):
        french = refused.value.message
    assert "invoice.pdf" in french and french != refused.value.message
    assert not Case.objects.exists() and not CaseDocument.objects.exists()


def test_a_case_holds_twenty_documents(importer_bam, rm2, adjusted):
    pdf = b"%PDF-1.4\n"
    case = appeal(
        importer_bam,
        rm2,
        [adjusted.transaction_number],
        uploads=[SimpleUploadedFile(f"p{n}.pdf", pdf) for n in range(20)],
    )
    with pytest.raises(CaseError) as refused:
        case_message_post(
            actor=importer_bam,
            case=case,
            body="One more.",
            uploads=[SimpleUploadedFile("p21.pdf", pdf)],
        )
    assert refused.value.code == "too_many_files"
    assert case.documents.count() == 20


def test_who_may_file(reader, editor, broker_bm, rm1, maple):
    """Readers read; editors file; a third party only with the "Cases" grant."""
    from delegation.models import Relationship

    declaration = filed(editor, rm1)
    for person in (reader, broker_bm):
        with pytest.raises(CaseError) as refused:
            appeal(person, rm1, [declaration.transaction_number])
        assert refused.value.code == "not_allowed"
    Relationship.objects.filter(importer=maple).update(sees_cases=True)
    broker_declaration = filed(broker_bm, rm1)
    fresh = User.objects.get(pk=broker_bm.pk)  # the next request reads the grant afresh
    case = appeal(fresh, rm1, [broker_declaration.transaction_number])
    assert case.filed_by.is_service_provider
    assert appeal(editor, rm1, [declaration.transaction_number]).filed_by == maple


def test_an_account_of_another_importer_is_not_a_place_to_appeal(outsider, rm1):
    prairie = ProgramAccountFactory(
        business=outsider.memberships.get().business, reference="RM0002"
    )
    with pytest.raises(CaseError) as refused:
        appeal(outsider, rm1, ["00000000000001"])
    assert refused.value.code == "not_allowed"
    assert prairie.cases.count() == 0


def test_the_reminders_are_a_command_too(importer_bam, officer, rm2, adjusted):
    from io import StringIO

    from django.core.management import call_command

    case = appeal(importer_bam, rm2, [adjusted.transaction_number])
    due = datetime.date.today() + datetime.timedelta(days=30)
    case_officer_message(officer=officer, case=case, body="Send it.", information_due=due)
    out = StringIO()
    day = (due - datetime.timedelta(days=7)).isoformat()
    call_command("send_case_reminders", date=day, stdout=out)
    assert out.getvalue().strip() == f"case_reminders {day}: 1 reminders sent."


def test_withdrawing_asks_first_and_the_question_changes_nothing(
    client_for, importer_bam, rm2, adjusted
):
    case = appeal(importer_bam, rm2, [adjusted.transaction_number])
    client = client_for(importer_bam)
    url = reverse("case_withdraw", args=[case.pk])
    assert f'href="{url}"' in client.get(reverse("case", args=[case.pk])).content.decode()
    asked = client.get(url).content.decode()
    assert f"Withdraw case {case.number}?" in asked and "cannot be reopened" in asked
    case.refresh_from_db()
    assert case.may_withdraw
    assert client.post(url).status_code == 302
    case.refresh_from_db()
    assert case.status == "withdrawn"
    # Nothing left to withdraw: the question leads back to the case.
    assert client.get(url).status_code == 302
