"""Fixtures every test may use: personas, a clean cache, signed-in clients.

The personas are people; later modules give them businesses, roles and relationships
(importer BAM, reader, broker with and without delegation, outsider, officer).
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from tests.factories import UserFactory


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


@pytest.fixture
def importer_bam(db):
    return UserFactory(email="bam@maple.example", first_name="Marie")


@pytest.fixture
def reader(db):
    return UserFactory(email="reader@maple.example")


@pytest.fixture
def broker(db):
    return UserFactory(email="bam@broker.example")


@pytest.fixture
def broker_agent(db):
    return UserFactory(email="agent@broker.example")


@pytest.fixture
def outsider(db):
    return UserFactory(email="someone@elsewhere.example")


@pytest.fixture
def officer(db):
    from accounts.services import officers_group_sync

    user = UserFactory(email="officer@cbsa.example", is_staff=True)
    user.groups.add(officers_group_sync())
    return user


@pytest.fixture
def client_for():
    """A test client signed in as the given user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
