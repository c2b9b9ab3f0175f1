"""Fixtures every test may use: personas, a clean cache, signed-in clients.

Personas around one importer, Maple (BN 123456782, RM0001 and RM0002): its BAM, a PAM of
RM0001, an editor and a reader on RM0001; a broker firm without any relationship; an
outsider (another importer's BAM); a CBSA officer.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from accounts.models import Role
from tests.factories import BusinessFactory, ProgramAccountFactory, UserFactory, member
from tests.support import with_check_digit


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end the sessions the live server's request
    threads may still hold on it."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits live in Redis (a database of its own for tests); each test starts clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """A request in French leaves French active in this thread; each test starts in the
    portal's default language, as a Celery task or a command would."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def maple(db):
    """An importer with two program accounts, like the demo's Maple Leaf Imports."""
    business = BusinessFactory(bn9="123456782", legal_name="Maple Leaf Imports Inc.")
    ProgramAccountFactory(business=business, reference="RM0001")
    ProgramAccountFactory(business=business, reference="RM0002")
    return business


@pytest.fixture
def rm1(maple):
    return maple.program_accounts.get(bn15="123456782RM0001")


@pytest.fixture
def rm2(maple):
    return maple.program_accounts.get(bn15="123456782RM0002")


@pytest.fixture
def importer_bam(maple):
    user = UserFactory(email="bam@maple.example", first_name="Marie")
    member(user, maple, Role.BAM)
    return user


@pytest.fixture
def pam(maple, rm1):
    """Program Account Manager of RM0001 only."""
    user = UserFactory(email="pam@maple.example")
    member(user, maple, Role.PAM, [rm1])
    return user


@pytest.fixture
def editor(maple, rm1):
    user = UserFactory(email="editor@maple.example")
    member(user, maple, Role.EDITOR, [rm1])
    return user


@pytest.fixture
def reader(maple, rm1):
    """Reader on RM0001 only."""
    user = UserFactory(email="reader@maple.example")
    member(user, maple, Role.READER, [rm1])
    return user


@pytest.fixture
def broker_firm(db):
    business = BusinessFactory(
        bn9="555123454", legal_name="Northern Customs Brokers Ltd.", is_service_provider=True
    )
    ProgramAccountFactory(business=business, reference="RM0001")
    return business


@pytest.fixture
def broker(broker_firm):
    """BAM of a customs broker; no relationship with any importer yet."""
    user = UserFactory(email="bam@broker.example")
    member(user, broker_firm, Role.BAM)
    return user


@pytest.fixture
def broker_agent(broker_firm):
    user = UserFactory(email="agent@broker.example")
    member(user, broker_firm, Role.EDITOR, broker_firm.program_accounts.all())
    return user


def relationship_with(importer, provider, *, kind="business", accounts=(), **terms):
    """An approved relationship, with the importer's chosen terms."""
    from delegation.models import Relationship

    requested_by = provider.memberships.first().user
    relationship = Relationship.objects.create(
        provider=provider,
        importer=importer,
        kind=kind,
        status=terms.pop("status", Relationship.Status.ACTIVE),
        requested_by=requested_by,
        **terms,
    )
    relationship.program_accounts.set(accounts)
    return relationship


def provider_firm(bn9: str, name: str, email: str):
    """A service provider with its BAM."""
    business = BusinessFactory(
        bn9=bn9, legal_name=name, is_service_provider=True, is_importer=False
    )
    user = UserFactory(email=email)
    member(user, business, Role.BAM)
    return business, user


@pytest.fixture
def broker_bm(maple, broker_firm, broker):
    """The BAM of a broker with Business Management of Maple (Editor; own transactions and
    statements, not others' transactions, not financial security)."""
    relationship_with(maple, broker_firm, level="editor", sees_statements=True)
    return broker


@pytest.fixture
def broker_group_agent(broker_bm, broker_firm, maple):
    """A broker employee in the client group holding Maple."""
    from delegation.models import ClientGroup

    user = UserFactory(email="teammate@broker.example")
    member(user, broker_firm, Role.EDITOR, broker_firm.program_accounts.all())
    group = ClientGroup.objects.create(provider=broker_firm, name="Maple team")
    group.clients.set([maple])
    group.employees.set([user])
    return user


@pytest.fixture
def broker_outside_group(broker_bm, broker_agent):
    """A broker employee in no client group holding Maple."""
    return broker_agent


@pytest.fixture
def broker_pm(maple, rm1):
    """The BAM of another broker with Program Management of Maple's RM0001 only (Reader)."""
    firm, user = provider_firm(
        with_check_digit("44455566"), "Lakeshore Customs Inc.", "bam@lakeshore.example"
    )
    relationship_with(maple, firm, kind="program", accounts=[rm1], level="reader")
    return user


@pytest.fixture
def revoked_broker(maple):
    firm, user = provider_firm(
        with_check_digit("33344455"), "Revoked Brokers Ltd.", "bam@revoked.example"
    )
    relationship_with(maple, firm, status="revoked", level="editor")
    return user


@pytest.fixture
def lapsed_broker(maple):
    import datetime

    from django.utils import timezone

    firm, user = provider_firm(
        with_check_digit("22233344"), "Lapsed Brokers Ltd.", "bam@lapsed.example"
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    relationship_with(maple, firm, level="editor", ends_on=yesterday)
    return user


@pytest.fixture
def outsider(db):
    """BAM of another importer: sees nothing of Maple."""
    business = BusinessFactory(bn9="876543216", legal_name="Prairie Goods Ltd.")
    ProgramAccountFactory(business=business, reference="RM0001")
    user = UserFactory(email="someone@prairie.example")
    member(user, business, Role.BAM)
    return user


@pytest.fixture
def officer(db):
    from accounts.services.officers import officers_group_sync

    user = UserFactory(email="officer@cbsa.example", is_staff=True)
    user.groups.add(officers_group_sync())
    return user


@pytest.fixture
def client_for():
    """A test client signed in as the given user."""

    def make(user, *, reauthenticated: bool = False) -> Client:
        """`reauthenticated`: the person typed the password again just now, as the
        changes that ask for it need (allauth's re-authentication)."""
        client = Client()
        client.force_login(user)
        if reauthenticated:
            import time

            session = client.session
            session["account_authentication_methods_user"] = str(user.pk)
            session["account_authentication_methods"] = [
                {"method": "password", "at": time.time(), "reauthenticated": True}
            ]
            session.save()
        return client

    return make


@pytest.fixture(scope="session", autouse=True)
def _media_removed_at_the_end():
    """Documents uploaded by the tests go to a folder of the run's own (tests/settings.py)."""
    import shutil

    from django.conf import settings

    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
