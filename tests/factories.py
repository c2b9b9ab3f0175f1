import datetime
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Business, Membership, ProgramAccount, User
from delegation.models import SuretyInvitation
from financial.calendar import (
    billing_period,
    next_payment_due,
    payment_due_date,
    statement_date,
)
from notifications.kinds import Kind
from notifications.models import Notification
from tests.support import with_check_digit

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified email address who can sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    preferred_language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = Kind.STATEMENT_AVAILABLE
    context = factory.LazyFunction(
        lambda: {"account": "123456782RM0001", "statement_date": "2026-10-25"}
    )
    dedupe_key = factory.Sequence(lambda n: f"event-{n}")


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business
        django_get_or_create = ("bn9",)

    bn9 = factory.Sequence(lambda n: with_check_digit(f"{40000000 + n:08d}"))
    legal_name = factory.Sequence(lambda n: f"Importer Number {n} Ltd.")
    city = "Ottawa"
    province = "ON"
    is_importer = True


class ProgramAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramAccount
        django_get_or_create = ("bn15",)

    business = factory.SubFactory(BusinessFactory)
    bn15 = factory.LazyAttribute(lambda o: f"{o.business.bn9}{o.reference}")

    class Params:
        reference = "RM0001"


def member(user, business, role, accounts=()):
    """Give `user` a role in `business`, covering `accounts` below BAM."""
    membership = Membership.objects.create(user=user, business=business, role=role)
    membership.program_accounts.set(accounts)
    return membership


def invited(surety, *accounts):
    """The importers of `accounts` invite `surety` to post security for them."""
    for account in accounts:
        SuretyInvitation.objects.create(program_account=account, surety=surety)
    return surety


class StatementFactory(factory.django.DjangoModelFactory):
    """An issued statement; lines default to zero and H is worked out from them."""

    class Meta:
        model = "financial.Statement"

    program_account = factory.SubFactory(ProgramAccountFactory)
    period_end = datetime.date(2026, 10, 17)
    period_start = factory.LazyAttribute(lambda o: billing_period(o.period_end)[0])
    statement_date = factory.LazyAttribute(lambda o: statement_date(o.period_end))
    due_date = factory.LazyAttribute(lambda o: payment_due_date(o.period_end))
    previous_balance = corrections = payments = disbursements = Decimal("0.00")
    interest_and_penalties = charges = credits = Decimal("0.00")
    duty = excise_duty = excise_tax = sima = surtax = gst = Decimal("0.00")
    interest = penalties = Decimal("0.00")
    total_payable = factory.LazyAttribute(
        lambda o: (
            o.previous_balance
            + o.corrections
            - o.payments
            + o.disbursements
            + o.interest_and_penalties
            + o.charges
            - o.credits
        )
    )


def statement_due_next(account, **lines):
    """The account's statement whose payment is due next from today (the home page's)."""
    today = timezone.localdate()
    due = next_payment_due(today)
    start, end = billing_period(today)
    period_end = next(
        candidate
        for candidate in (start - datetime.timedelta(days=1), end)
        if payment_due_date(candidate) == due
    )
    return StatementFactory(program_account=account, period_end=period_end, **lines)


def filed_declaration(
    actor, account, *, value="100.00", description="Laptops", vendor="Vendor", duty_rate="0.05"
):
    """A one-line declaration (a laptop, at 5 % unless told) filed today through the
    portal's service."""
    from financial.services import declaration_file

    line = {
        "hs_code": "8471300000",
        "description": description,
        "quantity": Decimal("1"),
        "value_for_duty": Decimal(value),
        "duty_rate": Decimal(duty_rate),
    }
    return declaration_file(
        actor=actor,
        program_account=account,
        release_date=timezone.localdate(),
        port_of_entry="0497",
        vendor=vendor,
        lines=[line],
    )
