"""First time setup: register a business (the registrant becomes BAM) or ask for access."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import AccessEvent, AccessRequest, Membership, Role
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MAPLE = {
    "bn9": "123456782",
    "program_account": "123456782 RM 0001",
    "legal_name": "Maple Leaf Imports Inc.",
}


def test_a_user_without_a_business_sees_first_time_setup(client_for):
    body = client_for(UserFactory()).get("/en/").content.decode()
    assert "First time setup" in body
    assert reverse("register_business") in body
    assert reverse("request_access") in body


def test_registering_makes_the_registrant_bam_with_every_account(client_for, maple):
    user = UserFactory()
    client = client_for(user)
    response = client.post("/en/setup/register/", MAPLE)
    assert response.status_code == 302
    membership = Membership.objects.get(user=user, business=maple)
    assert membership.role == Role.BAM
    home = client.get(response["Location"]).content.decode()
    assert "123456782 RM 0001" in home and "123456782 RM 0002" in home
    assert "Maple Leaf Imports Inc. is registered" in home
    event = AccessEvent.objects.get(business=maple)
    assert (event.actor, event.subject, event.action) == (user, user, "registered")


BAD_INPUT = [
    # (field changes, English message, French message)
    (
        {"bn9": "12345678X"},
        "A business number has 9 digits, for example 123456782.",
        "Un numéro d'entreprise compte 9 chiffres, par exemple 123456782.",
    ),
    (
        {"bn9": "123456789"},
        "This business number is not valid: check its last digit.",
        "Ce numéro d'entreprise n'est pas valide : vérifiez son dernier chiffre.",
    ),
    (
        {"bn9": "119219814"},
        "CBSA has no business with this business number.",
        "L'ASFC n'a aucune entreprise avec ce numéro d'entreprise.",
    ),
    (
        {"program_account": "123456782RM001"},
        "A program account number has 15 characters",
        "Un numéro de compte de programme compte 15 caractères",
    ),
    (
        {"program_account": "123456782RM0009"},
        "This program account does not belong to this business number in CBSA records.",
        "Selon les dossiers de l'ASFC, ce compte de programme n'appartient pas à ce numéro "
        "d'entreprise.",
    ),
    (
        {"legal_name": "Maple Leaf Exports Inc."},  # another business's name
        "The legal name does not match CBSA records for this business number.",
        "La dénomination légale ne correspond pas aux dossiers de l'ASFC pour ce numéro "
        "d'entreprise.",
    ),
]


@pytest.mark.parametrize(("changes", "english", "french"), BAD_INPUT)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_bad_input_is_explained_and_creates_nothing(
    client_for, maple, changes, english, french, language
):
    user = UserFactory()
    data = {**MAPLE, **changes}
    response = client_for(user).post(f"/{language}/setup/register/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert escape(english if language == "en" else french) in body
    for value in data.values():  # what was typed is kept
        assert f'value="{escape(value)}"' in body
    assert not Membership.objects.exists()
    assert not AccessEvent.objects.exists()


def test_a_business_that_has_a_bam_is_offered_the_access_request(client_for, maple, importer_bam):
    user = UserFactory()
    response = client_for(user).post("/en/setup/register/", MAPLE)
    body = response.content.decode()
    assert "already registered and has a Business Account Manager" in body
    assert f"{reverse('request_access')}?bn9=123456782" in body
    assert not Membership.objects.filter(user=user).exists()


def test_five_failed_attempts_an_hour_per_user(client_for, maple):
    client = client_for(UserFactory())
    for _ in range(5):
        client.post("/en/setup/register/", {**MAPLE, "legal_name": "Maple"})
    response = client.post("/en/setup/register/", MAPLE)  # even the right answer
    assert "Too many failed attempts" in response.content.decode()
    assert not Membership.objects.exists()


def test_five_failed_attempts_an_hour_per_business_number(client_for, maple):
    for _ in range(5):
        client_for(UserFactory()).post("/en/setup/register/", {**MAPLE, "legal_name": "Maple"})
    response = client_for(UserFactory()).post("/fr/setup/register/", MAPLE)
    assert "Trop de tentatives infructueuses" in response.content.decode()
    assert not Membership.objects.exists()


def test_request_access_notifies_the_managers(
    client_for, maple, importer_bam, pam, reader, mailoutbox
):
    requester = UserFactory(first_name="Jordan", last_name="Lee")
    response = client_for(requester).post(
        "/en/setup/request-access/", {"bn9": "123 456 782", "comment": "Accounts payable, RM0001"}
    )
    assert response.status_code == 302
    request = AccessRequest.objects.get(user=requester)
    assert (request.business, request.status, request.comment) == (
        maple,
        "pending",
        "Accounts payable, RM0001",
    )
    notified = set(
        Notification.objects.filter(kind="access_request").values_list(
            "recipient__email", flat=True
        )
    )
    assert notified == {importer_bam.email, pam.email}  # managers only, not the reader
    assert (
        "Jordan Lee asks for access to Maple Leaf Imports Inc." in Notification.objects.first().body
    )


@pytest.mark.parametrize(
    ("bn9", "message"),
    [
        ("12345", "A business number has 9 digits"),
        ("123456789", "check its last digit"),
        ("119219814", "CBSA has no business with this business number."),
    ],
)
def test_request_access_bad_input(client_for, maple, bn9, message):
    user = UserFactory()
    response = client_for(user).post("/en/setup/request-access/", {"bn9": bn9, "comment": "hello"})
    assert message in response.content.decode()
    assert "hello</textarea>" in response.content.decode()  # what was typed is kept
    assert not AccessRequest.objects.exists()


def test_one_pending_request_at_a_time(client_for, maple):
    client = client_for(UserFactory())
    client.post("/en/setup/request-access/", {"bn9": "123456782"})
    response = client.post("/en/setup/request-access/", {"bn9": "123456782"})
    assert "still pending" in response.content.decode()
    assert AccessRequest.objects.count() == 1


def test_members_do_not_request_again(client_for, reader):
    response = client_for(reader).post("/en/setup/request-access/", {"bn9": "123456782"})
    assert "You already have access to this business." in response.content.decode()


def test_a_request_names_the_business_number_never_its_name(client_for, maple):
    requester = UserFactory()
    client = client_for(requester)
    response = client.post("/en/setup/request-access/", {"bn9": "123 456 782"}, follow=True)
    body = response.content.decode()
    assert "Your request for access to business number 123456782 was sent" in body
    assert "Maple Leaf" not in body
    # The request is shown, waiting, where the person starts and where they ask.
    for path in ("/en/", "/en/setup/request-access/"):
        body = client.get(path).content.decode()
        assert "Your requests for access" in body and "123456782" in body
        assert "Waiting for the business's answer" in body
        assert "Maple Leaf" not in body
    french = client.get("/fr/setup/request-access/").content.decode()
    assert "Vos demandes d'accès" in french


def test_someone_else_s_requests_are_not_shown(client_for, maple):
    client_for(UserFactory()).post("/en/setup/request-access/", {"bn9": "123456782"})
    body = client_for(UserFactory()).get("/en/setup/request-access/").content.decode()
    assert "Your requests for access" not in body


def test_an_officer_linked_to_no_business_is_sent_to_the_officers_workspace(client_for):
    officer = UserFactory(is_staff=True)
    body = client_for(officer).get("/en/").content.decode()
    assert "/en/admin/" in body or "/admin/" in body
    assert "officers' workspace" in body
    assert "Register my business" not in body
    assert "Aller à l'espace des agents" in client_for(officer).get("/fr/").content.decode()
