"""Sessions end after 30 minutes without a request and 12 hours in all, and everywhere at
once when the person asks (accounts/middleware.py, SessionLimitsMiddleware)."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def signed_in(user) -> Client:
    client = Client()
    client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert client.get("/en/").status_code == 200
    return client


def test_a_session_ends_after_30_minutes_without_a_request(importer_bam):
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in(importer_bam)
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get("/en/").status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get("/en/profile/")
        assert response.status_code == 302
        assert response["Location"] == "/en/accounts/login/?next=%2Fen%2Fprofile%2F"
        page = client.get(response["Location"]).content.decode()
        assert "You were signed out after 30 minutes without activity." in page
        assert not client.get("/en/").wsgi_request.user.is_authenticated


def test_a_busy_session_still_ends_after_12_hours(importer_bam):
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in(importer_bam)
        for _step in range(28):  # a request every 25 minutes: 11 h 40 in all
            clock.shift(datetime.timedelta(minutes=25))
            assert client.get("/en/").status_code == 200
        clock.shift(datetime.timedelta(minutes=25))  # 12 h 5 min after signing in
        response = client.get("/en/")
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "a session lasts at most 12 hours" in page


def test_the_api_says_401_when_the_session_ended(importer_bam):
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in(importer_bam)
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get("/api/v1/program-accounts/")
        assert response.status_code == 401
        assert response.json()["code"] == "session_expired"


def test_sign_out_everywhere_ends_every_session_of_the_person(importer_bam, reader):
    laptop, phone, colleague = signed_in(importer_bam), signed_in(importer_bam), signed_in(reader)
    response = laptop.post(reverse("sign_out_everywhere"))
    assert response.status_code == 302
    assert not laptop.get("/en/").wsgi_request.user.is_authenticated
    ended = phone.get("/fr/")
    assert ended.status_code == 302
    assert (
        "Vous avez été déconnecté sur tous les appareils."
        in phone.get(ended["Location"]).content.decode()
    )
    assert colleague.get("/en/").status_code == 200  # another person's session goes on
    again = signed_in(importer_bam)  # and signing in again works at once
    assert again.get("/en/profile/").status_code == 200


def test_sign_out_everywhere_is_a_post_from_the_profile(client_for, importer_bam):
    client = client_for(importer_bam)
    assert client.get(reverse("sign_out_everywhere")).status_code == 405
    page = client.get(reverse("profile")).content.decode()
    assert reverse("sign_out_everywhere") in page
