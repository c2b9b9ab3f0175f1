"""English and French are both complete."""

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
SOURCES = [
    path
    for folder in (
        "carm",
        "accounts",
        "delegation",
        "financial",
        "security",
        "notifications",
        "enrolment",
        "cases",
        "payments",
        "templates",
    )
    for path in (ROOT / folder).rglob("*")
    if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts
]
TEMPLATE_STRING = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")
PYTHON_STRING = re.compile(r"""(?<![\w.])_\(\s*(["'])(.+?)(?<!\\)\1\s*[,)]""")
PLACEHOLDER = re.compile(r"%\(\w+\)s|{{\s*\w+\s*}}")


@pytest.fixture(scope="module")
def catalog():
    return polib.pofile(str(CATALOG))


def test_every_message_has_a_french_translation(catalog):
    untranslated = [entry.msgid for entry in catalog if not entry.translated()]
    fuzzy = [entry.msgid for entry in catalog if "fuzzy" in entry.flags]
    assert untranslated == []
    assert fuzzy == []


def test_translations_keep_every_placeholder(catalog):
    for entry in catalog:
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        targets = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for target in targets:
            assert sorted(PLACEHOLDER.findall(target)) == expected, entry.msgid


def test_every_marked_string_is_in_the_catalog(catalog):
    known = {entry.msgid for entry in catalog}
    missing = set()
    for path in SOURCES:
        text = path.read_text()
        pattern = PYTHON_STRING if path.suffix == ".py" else TEMPLATE_STRING
        missing |= {match.group(2) for match in pattern.finditer(text)} - known
    assert missing == set(), "run makemessages -l fr and translate these"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "words", "toggle"),
    [
        (
            "/en/accounts/login/",
            ["Sign In", "Create an account"],
            'lang-href="/fr/accounts/login/"',
        ),
        (
            "/fr/accounts/login/",
            ["Connexion", "Créer un compte"],
            'lang-href="/en/accounts/login/"',
        ),
        (
            "/fr/accounts/signup/",
            ["Inscription", "Mot de passe"],
            'lang-href="/en/accounts/signup/"',
        ),
    ],
)
def test_pages_speak_the_language_of_their_address(client, path, words, toggle):
    body = client.get(path).content.decode()
    for word in words:
        assert word in body
    assert toggle in body
    assert f'<html lang="{path[1:3]}">' in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "toggle"),
    [
        # A page's arguments and its query go across, the query written as it came.
        (
            "/en/accounts/login/?next=/en/profile/&x=%C3%A9",
            "/fr/accounts/login/?next=/en/profile/&amp;x=%C3%A9",
        ),
        (
            "/fr/accounts/password/reset/key/abc-set-password/",
            "/en/accounts/password/reset/key/abc-set-password/",
        ),
    ],
)
def test_the_language_toggle_leads_to_the_same_page(client, path, toggle):
    body = client.get(path).content.decode()
    assert f'lang-href="{toggle}"' in body


def test_the_language_toggle_keeps_a_namespaced_page_and_an_encoded_argument(
    client_for, importer_bam, maple
):
    browser = client_for(importer_bam)
    inbox = browser.get("/fr/notifications/?page=1").content.decode()
    assert 'lang-href="/en/notifications/?page=1"' in inbox
    key = "/en/accounts/password/reset/key/abc-s%C3%A9t/"
    assert 'lang-href="/fr/accounts/password/reset/key/abc-s%C3%A9t/"' in (
        browser.get(key).content.decode()
    )


def test_the_bare_address_goes_to_a_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")
    assert response.status_code == 302
    assert response["Location"] == "/fr/"
