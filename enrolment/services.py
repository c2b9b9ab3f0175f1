"""Applications to CBSA and their decisions: a business number, an import/export program
account, enrolling in or leaving RPP. docs/rules.md §9.

Each application is submitted by a person, decided once (approved, or refused with the
reason), and each step is a notification to the applicant (and, for what changes a
program account, to the business's BAMs).
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.identifiers import bn9_with_check_digit
from accounts.models import AccessEvent, Business, Membership, ProgramAccount, Role, User
from accounts.selectors import bams_of
from accounts.services.access_events import (
    access_event_record,
    business_lock,
    membership_snapshot,
)
from delegation.permissions import is_bam
from enrolment.errors import EnrolmentError
from enrolment.models import (
    Application,
    BusinessNumberApplication,
    ProgramAccountApplication,
    RppApplication,
)
from financial.calculation import MAX_AMOUNT, positive_cents
from notifications.kinds import Kind
from notifications.services import Notice, notification_send, notifications_send
from security.selectors import coverage

# Decision (docs/rules.md §9): the business numbers the portal gives begin with these eight
# digits' range; CBSA's own records and the load data use others.
PORTAL_BN_RANGE = (70000000, 70999999)
BN_SEQUENCE = "enrolment_business_number"


# --- Shared ---------------------------------------------------------------------------------


def _received(application: Application, *, what: str, business: str, route: str, at) -> None:
    notification_send(
        recipient=application.applicant,
        kind=Kind.APPLICATION_RECEIVED,
        dedupe_key=f"{route}:{application.pk}:received",
        context={"application": what, "business": business},
        route=route,
        route_args=[str(application.pk)],
        at=at,
    )


def _locked(application: Application) -> Application:
    """The application, locked, still waiting for a decision."""
    application = type(application).objects.select_for_update().get(pk=application.pk)
    if not application.is_open:
        raise EnrolmentError("already_decided")
    return application


def _decide(application: Application, *, status: str, officer: User | None, at, reason="") -> None:
    application.status = status
    application.decided_by, application.decided_at = officer, at
    application.reason = reason
    application.save(update_fields=["status", "decided_by", "decided_at", "reason"])


APPLICATION_WORDS = {  # the notification's name for what each application asks for
    BusinessNumberApplication: lambda application: "business_number",
    ProgramAccountApplication: lambda application: "program_account",
    RppApplication: lambda application: f"rpp_{application.kind}",
}
STATUS_ROUTES = {
    BusinessNumberApplication: "bn_application",
    ProgramAccountApplication: "account_application",
    RppApplication: "rpp_application",
}


def _business_name(application: Application) -> str:
    match application:
        case BusinessNumberApplication():
            return application.legal_name
        case ProgramAccountApplication():
            return application.business.legal_name
        case RppApplication():
            return application.program_account.business.legal_name
    raise TypeError(application)


@transaction.atomic
def application_refuse(
    *, officer: User, application: Application, reason: str, at: datetime.datetime | None = None
) -> Application:
    """An officer refuses an application, saying why; the applicant is told."""
    reason = (reason or "").strip()
    if not reason:
        raise EnrolmentError("reason_required")
    at = at or timezone.now()
    application = _locked(application)
    _decide(application, status=Application.Status.REFUSED, officer=officer, at=at, reason=reason)
    route = STATUS_ROUTES[type(application)]
    notification_send(
        recipient=application.applicant,
        kind=Kind.APPLICATION_REFUSED,
        dedupe_key=f"{route}:{application.pk}:decided",
        context={
            "application": APPLICATION_WORDS[type(application)](application),
            "business": _business_name(application),
            "reason": reason,
        },
        route=route,
        route_args=[str(application.pk)],
        at=at,
    )
    return application


# --- A business number ----------------------------------------------------------------------

BN_FIELDS = (
    "legal_name",
    "operating_name",
    "street",
    "city",
    "province",
    "postal_code",
    "organization_type",
    "applicant_role",
)


def bn_application_submit(
    *, applicant: User, at: datetime.datetime | None = None, **fields
) -> BusinessNumberApplication:
    """A person asks CBSA for a business number for a business that has none."""
    unknown = set(fields) - set(BN_FIELDS)
    if unknown:
        raise TypeError(f"Not part of a BN application: {', '.join(sorted(unknown))}")
    at = at or timezone.now()
    try:
        with transaction.atomic():
            application = BusinessNumberApplication.objects.create(
                applicant=applicant,
                submitted_at=at,
                **{name: str(value).strip() for name, value in fields.items()},
            )
            _received(
                application,
                what="business_number",
                business=application.legal_name,
                route="bn_application",
                at=at,
            )
    except IntegrityError:
        raise EnrolmentError("application_open") from None
    return application


def next_business_number() -> str:
    """A BN9 from the portal's range that CBSA's records do not hold yet."""
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT nextval(%s)", [BN_SEQUENCE])
            (value,) = cursor.fetchone()
            if value > PORTAL_BN_RANGE[1]:
                raise EnrolmentError("range_exhausted")
            bn9 = bn9_with_check_digit(f"{value:08d}")
            if not Business.objects.filter(bn9=bn9).exists():
                return bn9


@transaction.atomic
def bn_application_approve(
    *, officer: User, application: BusinessNumberApplication, at: datetime.datetime | None = None
) -> Business:
    """The business is on CBSA's records with a new BN9; the applicant is its BAM."""
    at = at or timezone.now()
    application = _locked(application)
    business = Business.objects.create(
        bn9=next_business_number(),
        legal_name=application.legal_name,
        operating_name=application.operating_name,
        street=application.street,
        city=application.city,
        province=application.province,
        postal_code=application.postal_code,
        is_importer=True,
    )
    membership = Membership.objects.create(
        user=application.applicant, business=business, role=Role.BAM
    )
    access_event_record(
        business=business,
        actor=officer,
        subject=application.applicant,
        action=AccessEvent.Action.REGISTERED,
        after=membership_snapshot(membership),
    )
    application.business = business
    application.save(update_fields=["business"])
    _decide(application, status=Application.Status.APPROVED, officer=officer, at=at)
    notification_send(
        recipient=application.applicant,
        kind=Kind.BUSINESS_NUMBER_ISSUED,
        dedupe_key=f"bn_application:{application.pk}:decided",
        context={"business": business.legal_name, "bn9": business.bn9},
        route="home",
        at=at,
    )
    return business


# --- An import/export program account -------------------------------------------------------

EARLIEST_START = datetime.date(1900, 1, 1)


@transaction.atomic
def program_account_apply(
    *,
    actor: User,
    business: Business,
    start_date: datetime.date,
    activity: str,
    description: str,
    operating_name: str = "",
    at: datetime.datetime | None = None,
) -> ProgramAccountApplication:
    """A BAM asks for an import/export program account. Decision (docs/rules.md §9): the
    business's first RM account opens at once, as CBSA's portal gives it; another one (a
    division's) is opened by an officer."""
    if not is_bam(actor, business):
        raise EnrolmentError("not_allowed")
    at = at or timezone.now()
    today = timezone.localdate(at)
    if not EARLIEST_START <= start_date <= today + datetime.timedelta(days=365):
        raise EnrolmentError("start_date")
    business = business_lock(business.pk)
    try:
        with transaction.atomic():
            application = ProgramAccountApplication.objects.create(
                applicant=actor,
                business=business,
                operating_name=operating_name.strip(),
                start_date=start_date,
                activity=activity,
                description=description.strip(),
                submitted_at=at,
            )
    except IntegrityError:
        raise EnrolmentError("application_open") from None
    if not business.program_accounts.exists():
        _open_account(application, officer=None, at=at)
    else:
        _received(
            application,
            what="program_account",
            business=business.legal_name,
            route="account_application",
            at=at,
        )
    return application


@transaction.atomic
def program_account_application_approve(
    *,
    officer: User,
    application: ProgramAccountApplication,
    at: datetime.datetime | None = None,
) -> ProgramAccount:
    at = at or timezone.now()
    business_lock(application.business_id)
    return _open_account(_locked(application), officer=officer, at=at)


def next_reference(business: Business) -> str:
    """The next free RM reference of the business: RM0001, RM0002, …"""
    taken = [account.bn15[11:] for account in business.program_accounts.all()]
    return f"RM{max((int(reference) for reference in taken), default=0) + 1:04d}"


def _open_account(
    application: ProgramAccountApplication, *, officer: User | None, at
) -> ProgramAccount:
    """Open the account (the business's row is locked by the caller) and tell its BAMs."""
    business = application.business
    account = ProgramAccount.objects.create(
        business=business,
        bn15=f"{business.bn9}{next_reference(business)}",
        name=application.operating_name or business.operating_name or business.legal_name,
    )
    if not business.is_importer:
        business.is_importer = True
        business.save(update_fields=["is_importer"])
    application.program_account = account
    application.save(update_fields=["program_account"])
    _decide(application, status=Application.Status.APPROVED, officer=officer, at=at)
    _tell_bams(
        business_id=business.pk,
        applicant=application.applicant,
        kind=Kind.PROGRAM_ACCOUNT_OPENED,
        dedupe_key=f"account_application:{application.pk}:decided",
        context={"account": account.bn15, "business": business.legal_name},
        route="program_account",
        route_args=[account.bn15],
        at=at,
    )
    return account


def _tell_bams(*, business_id: int, applicant: User, at, **notice) -> None:
    """The business's BAMs, and the applicant if no longer one, hear of the decision."""
    people = {user.pk: user for user in bams_of([business_id])[business_id]}
    people.setdefault(applicant.pk, applicant)
    notifications_send(
        kind=notice.pop("kind"),
        notices=[Notice(recipient=person, **notice) for person in people.values()],
        at=at,
    )


# --- Release Prior to Payment --------------------------------------------------------------


@transaction.atomic
def rpp_apply(
    *,
    actor: User,
    program_account: ProgramAccount,
    kind: str,
    expected_monthly_ar: Decimal | None = None,
    at: datetime.datetime | None = None,
) -> RppApplication:
    """A BAM asks to enrol the account in RPP (stating the expected monthly accounts
    receivable) or to leave it."""
    if not is_bam(actor, program_account.business):
        raise EnrolmentError("not_allowed")
    at = at or timezone.now()
    enrolled = program_account.rpp_status != ProgramAccount.RppStatus.NOT_ENROLLED
    if kind == RppApplication.Kind.ENROL:
        if enrolled:
            raise EnrolmentError("already_enrolled")
        expected_monthly_ar = positive_cents(expected_monthly_ar)
        if expected_monthly_ar is None:
            raise EnrolmentError("amount")
        if expected_monthly_ar > MAX_AMOUNT:
            raise EnrolmentError("amount_too_large", maximum=MAX_AMOUNT)
    elif kind == RppApplication.Kind.LEAVE:
        if not enrolled:
            raise EnrolmentError("not_enrolled")
        expected_monthly_ar = None
    else:
        raise TypeError(f"Not an RPP request: {kind!r}")
    try:
        with transaction.atomic():
            application = RppApplication.objects.create(
                applicant=actor,
                program_account=program_account,
                kind=kind,
                expected_monthly_ar=expected_monthly_ar,
                submitted_at=at,
            )
    except IntegrityError:
        raise EnrolmentError("application_open") from None
    _received(
        application,
        what=f"rpp_{kind}",
        business=program_account.business.legal_name,
        route="rpp_application",
        at=at,
    )
    return application


@transaction.atomic
def rpp_application_approve(
    *, officer: User, application: RppApplication, at: datetime.datetime | None = None
) -> ProgramAccount:
    """Enrolment is approved once the security posted covers the requirement (a new
    importer's minimum until its first review); leaving takes effect at once."""
    at = at or timezone.now()
    account = ProgramAccount.objects.select_for_update().get(pk=application.program_account_id)
    application = _locked(application)
    if application.kind == RppApplication.Kind.ENROL:
        if account.rpp_status != ProgramAccount.RppStatus.NOT_ENROLLED:
            raise EnrolmentError("already_enrolled")
        cover = coverage(account, timezone.localdate(at))
        if not cover.covered:
            raise EnrolmentError(
                "not_covered", required=cover.required.bond, posted=cover.bonds + cover.cash
            )
        account.rpp_status, kind = ProgramAccount.RppStatus.ACTIVE, Kind.RPP_ENROLLED
    else:
        if account.rpp_status == ProgramAccount.RppStatus.NOT_ENROLLED:
            raise EnrolmentError("not_enrolled")
        account.rpp_status, kind = ProgramAccount.RppStatus.NOT_ENROLLED, Kind.RPP_LEFT
    account.save(update_fields=["rpp_status"])
    _decide(application, status=Application.Status.APPROVED, officer=officer, at=at)
    _tell_bams(
        business_id=account.business_id,
        applicant=application.applicant,
        kind=kind,
        dedupe_key=f"rpp_application:{application.pk}:decided",
        context={"account": account.bn15},
        route="financial_security",
        route_args=[account.bn15],
        at=at,
    )
    return account


APPROVALS = {
    BusinessNumberApplication: bn_application_approve,
    ProgramAccountApplication: program_account_application_approve,
    RppApplication: rpp_application_approve,
}


def application_approve(*, officer: User, application: Application, at=None):
    """Approve any application (the admin's one action for the three kinds)."""
    return APPROVALS[type(application)](officer=officer, application=application, at=at)
