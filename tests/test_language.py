"""The pages without a language prefix (the officers' admin) follow the language of the
last portal page read."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_the_admin_follows_the_portal_into_french_and_back(client_for, officer):
    client = client_for(officer)
    english = client.get("/admin/").content.decode()
    client.get("/fr/")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    french = client.get("/admin/").content.decode()
    assert french != english and 'lang="fr"' in french
    client.get("/en/")
    assert 'lang="en"' in client.get("/admin/").content.decode()


def test_the_cookie_is_written_only_when_the_language_changes(client_for, officer):
    client = client_for(officer)
    first = client.get("/fr/")
    assert settings.LANGUAGE_COOKIE_NAME in first.cookies
    again = client.get("/fr/profile/")
    assert settings.LANGUAGE_COOKIE_NAME not in again.cookies
    assert settings.LANGUAGE_COOKIE_NAME not in client.get("/healthz").cookies


def test_french_puts_a_space_before_the_colon(client_for, importer_bam, rm1):
    """French typography: « Solde : », English "Balance:"."""
    url = f"/fr/program-accounts/{rm1.bn15}/"
    french = client_for(importer_bam).get(url).content.decode()
    assert "Solde\u00a0: <strong>" in french and "Solde:" not in french
    english = client_for(importer_bam).get(url.replace("/fr/", "/en/")).content.decode()
    assert "Balance: <strong>" in english
