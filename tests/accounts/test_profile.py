import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Marie",
    "last_name": "Tremblay",
    "phone": "613-555-0199 ext. 42",
    "preferred_language": "fr",
    "email_notifications": "",
}


def test_profile_needs_sign_in(client):
    response = client.get("/en/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_user_edits_their_own_details(client_for, importer_bam):
    client = client_for(importer_bam)
    response = client.post("/en/profile/", VALID)
    assert response.status_code == 302
    assert response["Location"] == "/fr/profile/"  # continues in the new language
    importer_bam.refresh_from_db()
    assert importer_bam.get_full_name() == "Marie Tremblay"
    assert importer_bam.phone == "613-555-0199 ext. 42"
    assert importer_bam.preferred_language == "fr"
    assert importer_bam.email_notifications is False
    page = client.get(response["Location"])
    assert "Votre profil a été enregistré." in page.content.decode()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Enter a telephone number such as 613-555-0199"),
        ("fr", "Entrez un numéro de téléphone comme 613-555-0199"),
    ],
)
def test_a_bad_phone_is_explained_and_nothing_changes(client_for, importer_bam, language, message):
    client = client_for(importer_bam)
    response = client.post(f"/{language}/profile/", {**VALID, "phone": "call me maybe"})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'value="call me maybe"' in body  # what the user typed is kept
    importer_bam.refresh_from_db()
    assert importer_bam.phone == ""
    assert importer_bam.preferred_language == "en"


def test_the_email_address_is_not_edited_here(client_for, importer_bam):
    client = client_for(importer_bam)
    client.post("/en/profile/", {**VALID, "email": "taken@example.com", "is_staff": "on"})
    importer_bam.refresh_from_db()
    assert importer_bam.email == "bam@maple.example"
    assert importer_bam.is_staff is False
