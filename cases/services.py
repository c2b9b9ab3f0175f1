"""Filing and working cases: appeals (requests for re-determination), applications for an
extension of time, ruling requests; their conversation, documents and decisions.
docs/rules.md §11.

Statuses: Draft → Submitted → Assigned → Information requested ⇄ Submitted → Decision
rendered, or Withdrawn by the requester before a decision. Every change is a row of the
case's history and a notification to the requester's people (the importer's BAMs and the
employees whose scope has the account) and to whoever filed it for a third party.
"""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import ProgramAccount, User
from accounts.selectors import employees_of_accounts
from cases import files
from cases.errors import CaseError
from cases.models import Case, CaseDeclaration, CaseDocument, CaseEvent, CaseMessage, Ruling
from cases.rules import appeal_kind_on, split_credit
from cases.selectors import decision_date, with_decision_dates
from delegation.permissions import Action, can
from delegation.services import access_log_changed
from financial.calculation import positive_cents
from financial.locks import lock_account_balance
from financial.models import REVENUE_SPLIT, Declaration, DeclarationVersion, Posting
from financial.selectors import acting_business, declarations_visible_to
from financial.services import posting_create
from notifications.kinds import Kind
from notifications.services import Notice, notifications_send

MIN_TEXT = 20
MAX_DOCUMENTS = 20


# --- History and notifications -----------------------------------------------------------


def _move(case: Case, to: str, *, actor: User | None, at, **changes) -> None:
    """Change the case's status (and `changes`), record it, and tell the people concerned."""
    before = case.status
    case.status = to
    for field, value in changes.items():
        setattr(case, field, value)
    case.save(update_fields=["status", *changes])
    event = CaseEvent.objects.create(
        case=case, at=at, actor=actor, from_status=before, to_status=to
    )
    _tell(
        case,
        kind=Kind.CASE_DECISION if to == Case.Status.DECISION_RENDERED else Kind.CASE_STATUS,
        key=f"case:{case.pk}:event:{event.pk}",
        context={"case": case.number, "status": to, "outcome": case.outcome},
        at=at,
        actor=actor,
    )


def _people(case: Case) -> list[User]:
    """The requester's people: the importer's BAMs and the employees whose scope has the
    account, and the third party's person who filed it."""
    people = {
        user.pk: user
        for user in employees_of_accounts([case.program_account_id])[case.program_account_id]
    }
    people.setdefault(case.filed_by_user_id, case.filed_by_user)
    return list(people.values())


def _tell(case: Case, *, kind: Kind, key: str, context: dict, at, actor: User | None = None) -> int:
    return notifications_send(
        kind=kind,
        notices=[
            Notice(
                recipient=person,
                dedupe_key=key,
                context=context,
                route="case",
                route_args=[str(case.pk)],
            )
            for person in _people(case)
            if actor is None or person.pk != actor.pk
        ],
        at=at,
    )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("program_account").get(pk=case.pk)


def _text(value: str, code: str) -> str:
    value = (value or "").strip()
    if len(value) < MIN_TEXT:
        raise CaseError(code)
    return value


# --- Filing -------------------------------------------------------------------------------


@transaction.atomic
def case_file(
    *,
    actor: User,
    program_account: ProgramAccount,
    kind: str,
    reason: str,
    transaction_numbers: Sequence[str] = (),
    ruling_type: str = "",
    goods_description: str = "",
    proposed_classification: str = "",
    draft: bool = False,
    uploads: Sequence[UploadedFile] = (),
    at: datetime.datetime | None = None,
) -> Case:
    """File a case (or keep it as a draft). An appeal groups declarations of the account,
    each within its window: 90 days for an appeal, the year after for an extension."""
    if not can(actor, Action.FILE_CASE, program_account):
        raise CaseError("not_allowed")
    if kind not in Case.Kind.values:
        raise CaseError("kind")
    at = at or timezone.now()
    reason = _text(reason, "reason")
    ruling = {}
    if kind == Case.Kind.RULING:
        if ruling_type not in Case.RulingType.values:
            raise CaseError("ruling_type")
        proposed = (proposed_classification or "").replace(".", "").replace(" ", "")
        if proposed and not (len(proposed) == 10 and proposed.isdigit()):
            raise CaseError("classification")
        ruling = {
            "ruling_type": ruling_type,
            "goods_description": _text(goods_description, "goods"),
            "proposed_classification": proposed,
        }
    case = Case.objects.create(
        program_account=program_account,
        kind=kind,
        status=Case.Status.DRAFT,
        reason=reason,
        filed_by=acting_business(actor, program_account),
        filed_by_user=actor,
        created_at=at,
        **ruling,
    )
    if kind in Case.APPEALS:
        declarations = _appealed(actor, program_account, transaction_numbers)
        _check_windows(declarations, kind, timezone.localdate(at))
        CaseDeclaration.objects.bulk_create(
            CaseDeclaration(
                case=case,
                declaration=declaration,
                decision_date=decision_date(declaration),
                disputed=declaration.total,
            )
            for declaration in declarations
        )
    _documents_add(case, uploads, uploaded_by=actor, at=at)
    if not draft:
        _submit(case, actor=actor, at=at)
    access_log_changed(user=actor, program_account=program_account, action=Action.FILE_CASE, at=at)
    return case


def _appealed(
    actor: User, program_account: ProgramAccount, numbers: Iterable[str]
) -> list[Declaration]:
    numbers = sorted({str(number).strip() for number in numbers if str(number).strip()})
    if not numbers:
        raise CaseError("no_declarations")
    declarations = list(
        with_decision_dates(declarations_visible_to(actor, program_account)).filter(
            transaction_number__in=numbers
        )
    )
    unknown = set(numbers) - {declaration.transaction_number for declaration in declarations}
    if unknown:
        raise CaseError("unknown_declaration", numbers=", ".join(sorted(unknown)))
    open_already = sorted(
        CaseDeclaration.objects.filter(
            declaration__in=declarations, case__status__in=[Case.Status.DRAFT, *Case.OPEN]
        ).values_list("declaration__transaction_number", flat=True)
    )
    if open_already:
        raise CaseError("already_appealed", numbers=", ".join(open_already))
    return declarations


def _check_windows(declarations: list[Declaration], kind: str, today: datetime.date) -> None:
    by_window: dict[str | None, list[str]] = {}
    for declaration in declarations:
        window = appeal_kind_on(decision_date(declaration), today)
        by_window.setdefault(window, []).append(declaration.transaction_number)
    if None in by_window:
        raise CaseError("past_extension_window", numbers=", ".join(by_window[None]))
    if kind == Case.Kind.APPEAL and "appeal_extension" in by_window:
        raise CaseError("past_appeal_window", numbers=", ".join(by_window["appeal_extension"]))
    if kind == Case.Kind.APPEAL_EXTENSION and "appeal" in by_window:
        raise CaseError("within_appeal_window", numbers=", ".join(by_window["appeal"]))


def _submit(case: Case, *, actor: User, at) -> None:
    _move(case, Case.Status.SUBMITTED, actor=actor, at=at, submitted_at=at)


@transaction.atomic
def case_submit(*, actor: User, case: Case, at: datetime.datetime | None = None) -> Case:
    """Send a draft; an appeal's windows are checked again on the day it is sent."""
    if not can(actor, Action.FILE_CASE, case.program_account):
        raise CaseError("not_allowed")
    at = at or timezone.now()
    case = _locked(case)
    if case.status != Case.Status.DRAFT:
        raise CaseError("status", status=case.get_status_display())
    if case.is_appeal:
        declarations = list(with_decision_dates(Declaration.objects.filter(case_links__case=case)))
        _check_windows(declarations, case.kind, timezone.localdate(at))
    _submit(case, actor=actor, at=at)
    return case


@transaction.atomic
def case_withdraw(*, actor: User, case: Case, at: datetime.datetime | None = None) -> Case:
    """The requester withdraws the case before a decision; nothing else changes."""
    if not can(actor, Action.FILE_CASE, case.program_account):
        raise CaseError("not_allowed")
    at = at or timezone.now()
    case = _locked(case)
    if not case.may_withdraw:
        raise CaseError("status", status=case.get_status_display())
    _move(case, Case.Status.WITHDRAWN, actor=actor, at=at, information_due=None)
    access_log_changed(
        user=actor, program_account=case.program_account, action=Action.FILE_CASE, at=at
    )
    return case


# --- Conversation and documents -----------------------------------------------------------


@transaction.atomic
def case_message_post(
    *,
    actor: User,
    case: Case,
    body: str,
    uploads: Sequence[UploadedFile] = (),
    at: datetime.datetime | None = None,
) -> CaseMessage:
    """The requester's side writes on the case; answering an information request sends
    the case back to the officer (Information requested → Submitted)."""
    if not can(actor, Action.FILE_CASE, case.program_account):
        raise CaseError("not_allowed")
    at = at or timezone.now()
    case = _locked(case)
    if case.status in (Case.Status.DECISION_RENDERED, Case.Status.WITHDRAWN):
        raise CaseError("status", status=case.get_status_display())
    body = (body or "").strip()
    if not body:
        raise CaseError("message")
    message = CaseMessage.objects.create(case=case, author=actor, body=body, created_at=at)
    _documents_add(case, uploads, uploaded_by=actor, message=message, at=at)
    if case.status == Case.Status.INFORMATION_REQUESTED:
        _move(case, Case.Status.SUBMITTED, actor=actor, at=at, information_due=None)
    access_log_changed(
        user=actor, program_account=case.program_account, action=Action.FILE_CASE, at=at
    )
    return message


@transaction.atomic
def case_documents_add(
    *,
    actor: User,
    case: Case,
    uploads: Sequence[UploadedFile],
    at: datetime.datetime | None = None,
) -> list[CaseDocument]:
    if not can(actor, Action.FILE_CASE, case.program_account):
        raise CaseError("not_allowed")
    at = at or timezone.now()
    case = _locked(case)
    if case.status in (Case.Status.DECISION_RENDERED, Case.Status.WITHDRAWN):
        raise CaseError("status", status=case.get_status_display())
    documents = _documents_add(case, uploads, uploaded_by=actor, at=at)
    access_log_changed(
        user=actor, program_account=case.program_account, action=Action.FILE_CASE, at=at
    )
    return documents


def _documents_add(case, uploads, *, uploaded_by, at, message=None) -> list[CaseDocument]:
    """Check every file's content and size, and the case's count, before storing any."""
    uploads = list(uploads)
    if not uploads:
        return []
    if case.documents.count() + len(uploads) > MAX_DOCUMENTS:
        raise CaseError("too_many_files")
    checked = []
    for upload in uploads:
        name = (upload.name or "document")[-255:]
        if upload.size > files.MAX_SIZE:
            raise CaseError("file_size", name=name)
        upload.seek(0)
        kind = files.content_type(upload.read())
        if kind is None:
            raise CaseError("file_type", name=name)
        upload.seek(0)
        checked.append((upload, name, kind))
    documents = []
    for upload, name, kind in checked:
        document = CaseDocument(
            case=case,
            message=message,
            name=name,
            content_type=kind,
            size=upload.size,
            uploaded_by=uploaded_by,
            uploaded_at=at,
        )
        document.file.save(name, upload, save=False)
        document.save()
        documents.append(document)
    return documents


# --- The officer's work -------------------------------------------------------------------


@transaction.atomic
def case_assign(*, officer: User, case: Case, at: datetime.datetime | None = None) -> Case:
    at = at or timezone.now()
    case = _locked(case)
    if case.status != Case.Status.SUBMITTED:
        raise CaseError("status", status=case.get_status_display())
    _move(case, Case.Status.ASSIGNED, actor=officer, at=at, assigned_to=officer)
    return case


@transaction.atomic
def case_officer_message(
    *,
    officer: User,
    case: Case,
    body: str,
    information_due: datetime.date | None = None,
    uploads: Sequence[UploadedFile] = (),
    at: datetime.datetime | None = None,
) -> CaseMessage:
    """An officer writes on the case; with a due date it asks for information (the case
    waits on the requester, who is reminded 7 days before)."""
    at = at or timezone.now()
    case = _locked(case)
    if not case.is_open:
        raise CaseError("status", status=case.get_status_display())
    body = (body or "").strip()
    if not body:
        raise CaseError("message")
    if information_due is not None and information_due <= timezone.localdate(at):
        raise CaseError("due_date")
    message = CaseMessage.objects.create(
        case=case,
        author=officer,
        from_officer=True,
        body=body,
        information_due=information_due,
        created_at=at,
    )
    _documents_add(case, uploads, uploaded_by=officer, message=message, at=at)
    if information_due is not None:
        _move(
            case,
            Case.Status.INFORMATION_REQUESTED,
            actor=officer,
            at=at,
            information_due=information_due,
            assigned_to=case.assigned_to or officer,
        )
    else:
        _tell(
            case,
            kind=Kind.CASE_MESSAGE,
            key=f"case:{case.pk}:message:{message.pk}",
            context={"case": case.number},
            at=at,
        )
    return message


@transaction.atomic
def case_decide(
    *,
    officer: User,
    case: Case,
    outcome: str,
    text: str,
    credits: dict[int, Decimal] | None = None,
    classification: str = "",
    effective_date: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> Case:
    """Render the decision, once. An appeal allowed posts, for each declaration, the credit
    allowed (all that is disputed, or what `credits` names when allowed in part) through
    the ledger's services, linked to the case; denied posts nothing. A ruling is recorded
    with its number, classification, effective date and text."""
    at = at or timezone.now()
    lock_account_balance(case.program_account)  # the ledger's lock order: the balance first
    case = _locked(case)
    if case.status == Case.Status.DECISION_RENDERED:
        raise CaseError("already_decided")
    if not case.is_open:
        raise CaseError("status", status=case.get_status_display())
    text = (text or "").strip()
    if case.kind == Case.Kind.RULING:
        if outcome != Case.Outcome.RULING:
            raise CaseError("outcome")
        _render_ruling(case, text, classification, effective_date)
    else:
        if outcome not in (Case.Outcome.ALLOWED, Case.Outcome.ALLOWED_IN_PART, Case.Outcome.DENIED):
            raise CaseError("outcome")
        if outcome != Case.Outcome.DENIED:
            _post_credits(case, outcome, credits or {}, at)
    _move(
        case,
        Case.Status.DECISION_RENDERED,
        actor=officer,
        at=at,
        outcome=outcome,
        decision_text=text,
        decided_by=officer,
        decided_at=at,
        information_due=None,
    )
    return case


def _post_credits(case: Case, outcome: str, credits: dict[int, Decimal], at) -> None:
    posted = 0
    for link in case.declarations.select_related("declaration").order_by("id"):
        if outcome == Case.Outcome.ALLOWED:
            credit = link.disputed
        else:
            asked = credits.get(link.pk)
            if asked in (None, "") or Decimal(str(asked)) == 0:
                continue  # nothing allowed on this declaration
            credit = positive_cents(asked)
            if credit is None or credit > link.disputed:
                raise CaseError(
                    "credit",
                    number=link.declaration.transaction_number,
                    disputed=link.disputed,
                )
        if not credit:
            continue
        split = split_credit(credit, _current_split(link.declaration))
        link.posting = posting_create(
            program_account=case.program_account,
            kind=Posting.Kind.ADJUSTMENT,
            amount=-credit,
            transaction_number=link.declaration.transaction_number,
            filed_by=case.filed_by,
            description=case.number,
            posted_at=at,
            **{column: -amount for column, amount in split.items()},
        )
        link.credit = credit
        link.save(update_fields=["posting", "credit"])
        posted += 1
    if outcome == Case.Outcome.ALLOWED_IN_PART and not posted:
        raise CaseError("credits")


def _current_split(declaration: Declaration) -> dict[str, Decimal]:
    """The revenue split of the declaration's current (latest approved) version."""
    version = (
        declaration.versions.filter(status=DeclarationVersion.Status.APPROVED)
        .order_by("-number")
        .first()
    )
    totals = dict.fromkeys(REVENUE_SPLIT, Decimal("0.00"))
    for line in version.lines.values(*REVENUE_SPLIT):
        for column in REVENUE_SPLIT:
            totals[column] += line[column]
    return totals


def _render_ruling(case: Case, text: str, classification: str, effective_date) -> None:
    classification = (classification or "").replace(".", "").replace(" ", "")
    if classification and not (len(classification) == 10 and classification.isdigit()):
        raise CaseError("classification")
    if not text or effective_date is None:
        raise CaseError("ruling_fields")
    Ruling.objects.create(
        case=case,
        number=f"R-{effective_date.year}-{case.pk:06d}",
        classification=classification,
        effective_date=effective_date,
        text=text,
    )


# --- Reminders ----------------------------------------------------------------------------

REMINDER_DAYS = 7


def information_reminders_send(*, day: datetime.date) -> int:
    """Daily: remind the requester's people 7 days before information CBSA asked for is
    due; once per case and due date, whatever the re-runs."""
    due = day + datetime.timedelta(days=REMINDER_DAYS)
    return sum(
        _tell(
            case,
            kind=Kind.CASE_REMINDER,
            key=f"case:{case.pk}:reminder:{due.isoformat()}",
            context={"case": case.number, "due_date": due.isoformat()},
            at=timezone.now(),
        )
        for case in Case.objects.filter(
            status=Case.Status.INFORMATION_REQUESTED, information_due=due
        ).select_related("filed_by_user")
    )
