"""Fixtures the security tests share: an RPP account, one already reviewed, a surety."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import ProgramAccount, Role
from financial.calendar import EASTERN
from financial.services import posting_create
from security.review import annual_review
from tests.factories import BusinessFactory, UserFactory, invited, member

REVIEWED = timezone.localdate().year - 2  # its January 15 has passed, whatever today is


@pytest.fixture
def rpp(rm1):
    """Maple's RM0001 with Release Prior to Payment."""
    rm1.rpp_status = ProgramAccount.RppStatus.ACTIVE
    rm1.save()
    return rm1


@pytest.fixture
def reviewed(rpp):
    """RM0001 reviewed: a $30,000 month sets a $15,000 bond (or $30,000 cash)."""
    posting_create(
        program_account=rpp,
        kind="charge",
        amount=D("30000.00"),
        gst=D("30000.00"),
        posted_at=datetime.datetime(REVIEWED - 1, 11, 15, 12, tzinfo=EASTERN),
    )
    annual_review(year=REVIEWED)
    return rpp


@pytest.fixture
def surety_reader(surety_user):
    """A reader at True North Surety: sees its bonds, posts none."""
    user = UserFactory(email="reader@surety.example")
    member(user, surety_user.memberships.get().business, Role.READER)
    return user


@pytest.fixture
def surety_user(rm1, rm2):
    """The BAM of True North Surety, an e-bond issuer Maple invited for both its accounts."""
    surety = BusinessFactory(
        bn9="777888991", legal_name="True North Surety Co.", is_surety=True, is_importer=False
    )
    invited(surety, rm1, rm2)
    user = UserFactory(email="bonds@surety.example")
    member(user, surety, Role.BAM)
    return user
