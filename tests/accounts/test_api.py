"""The API platform: program-account endpoints, personal API keys, errors, throttling."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services.keys import api_key_create, api_key_hash
from carm.throttling import ApiKeyRateThrottle
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_list_shows_only_what_the_caller_sees(client_for, importer_bam, reader, outsider):
    listing = client_for(importer_bam).get("/api/v1/program-accounts/").json()
    assert [a["bn15"] for a in listing["results"]] == ["123456782RM0001", "123456782RM0002"]
    assert listing["results"][0] == {
        "bn15": "123456782RM0001",
        "bn9": "123456782",
        "legal_name": "Maple Leaf Imports Inc.",
        "name": "",
        "status": "active",
        "rpp_status": "not_enrolled",
        "access": "bam",
    }
    readers = client_for(reader).get("/api/v1/program-accounts/").json()["results"]
    assert [(a["bn15"], a["access"]) for a in readers] == [("123456782RM0001", "reader")]
    others = client_for(outsider).get("/api/v1/program-accounts/").json()["results"]
    assert [a["bn15"] for a in others] == ["876543216RM0001"]


@pytest.mark.parametrize(
    ("persona", "bn15", "status"),
    [
        ("importer_bam", "123456782RM0002", 200),
        ("pam", "123456782RM0001", 200),
        ("pam", "123456782RM0002", 404),
        ("reader", "123456782RM0001", 200),
        ("reader", "123456782RM0002", 404),
        ("editor", "123456782RM0002", 404),
        ("outsider", "123456782RM0001", 404),
        ("broker", "123456782RM0001", 404),
        ("importer_bam", "123456782RM0009", 404),  # does not exist: the same answer
        ("importer_bam", "not-a-number", 404),
    ],
)
def test_detail_is_404_for_what_one_may_not_see(request, client_for, maple, persona, bn15, status):
    response = client_for(request.getfixturevalue(persona)).get(f"/api/v1/program-accounts/{bn15}/")
    assert response.status_code == status
    if status == 404:
        assert set(response.json()) == {"detail", "code"}
        assert response.json()["code"] == "not_found"


def test_detail_accepts_the_spaced_number(client_for, importer_bam):
    response = client_for(importer_bam).get("/api/v1/program-accounts/123456782 RM 0001/")
    assert response.json()["bn15"] == "123456782RM0001"


def test_anonymous_gets_401(client, maple):
    response = client.get("/api/v1/program-accounts/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_creating_a_key_asks_for_the_password_again(client_for, importer_bam):
    client = client_for(importer_bam)
    response = client.post(reverse("api_key_create"), {"name": "ERP", "expires_in": "90"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not ApiKey.objects.exists()


def test_a_key_is_shown_once_and_stored_hashed(client, importer_bam):
    client.post("/en/accounts/login/", {"login": importer_bam.email, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("api_key_create"), {"name": "ERP", "expires_in": "90"})
    assert response.status_code == 200
    plain_text = response.context["plain_text"]
    key = ApiKey.objects.get(user=importer_bam)
    assert plain_text.startswith(f"carm_{key.prefix}_")
    assert key.hashed_secret == api_key_hash(plain_text.split("_", 2)[2])
    assert plain_text.split("_", 2)[2] not in key.hashed_secret
    assert (key.expires_at - timezone.now()).days in (89, 90)
    page = client.get(reverse("api_keys")).content.decode()
    assert plain_text not in page  # never shown again
    assert f"carm_{key.prefix}_" in page


def test_a_key_works_as_its_owner_and_records_its_use(client, importer_bam):
    key, token = api_key_create(user=importer_bam, name="ERP")
    response = client.get("/api/v1/program-accounts/", **bearer(token))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "This API key was revoked."), ("fr", "Cette clé d'API a été révoquée.")],
)
def test_a_revoked_key_is_refused_at_once_in_the_callers_language(
    client, client_for, importer_bam, language, message
):
    key, token = api_key_create(user=importer_bam, name="ERP")
    assert client.get("/api/v1/program-accounts/", **bearer(token)).status_code == 200
    client_for(importer_bam).post(reverse("api_key_revoke", args=[key.pk]))
    response = client.get(
        "/api/v1/program-accounts/", HTTP_ACCEPT_LANGUAGE=language, **bearer(token)
    )
    assert response.status_code == 401
    assert response.json() == {"detail": message, "code": "api_key_revoked"}


def test_an_expired_or_forged_key_is_refused(client, importer_bam):
    _, token = api_key_create(
        user=importer_bam, name="old", expires_at=timezone.now() - timedelta(days=1)
    )
    response = client.get("/api/v1/program-accounts/", **bearer(token))
    assert response.json()["code"] == "api_key_expired"
    _, token = api_key_create(user=importer_bam, name="ERP")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for candidate in (forged, "carm_deadbeef_nothing", "not-a-key", f"{token} extra"):
        response = client.get("/api/v1/program-accounts/", **bearer(candidate))
        assert response.status_code == 401, candidate


def test_one_cannot_revoke_another_persons_key(client_for, importer_bam, outsider):
    key, _ = api_key_create(user=outsider, name="theirs")
    assert (
        client_for(importer_bam).post(reverse("api_key_revoke", args=[key.pk])).status_code == 404
    )
    key.refresh_from_db()
    assert key.revoked_at is None


def test_removing_access_takes_effect_on_the_next_api_call(
    client, client_for, importer_bam, reader
):
    from accounts.models import Membership

    _, token = api_key_create(user=reader, name="script")
    url = "/api/v1/program-accounts/123456782RM0001/"
    assert client.get(url, **bearer(token)).status_code == 200
    membership = Membership.objects.get(user=reader)
    client_for(importer_bam).post(reverse("membership_remove", args=["123456782", membership.pk]))
    assert client.get(url, **bearer(token)).status_code == 404


def test_each_key_has_its_own_rate(client, importer_bam, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api": "3/minute"})
    _, first = api_key_create(user=importer_bam, name="one")
    _, second = api_key_create(user=importer_bam, name="two")
    statuses = [
        client.get("/api/v1/program-accounts/", **bearer(first)).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/v1/program-accounts/", **bearer(second)).status_code == 200
    throttled = client.get("/api/v1/program-accounts/", **bearer(first))
    assert throttled.json()["code"] == "throttled"


def test_the_schema_and_docs_are_published(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/program-accounts/{bn15}/" in schema.content
    assert b"bearer" in schema.content
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize(
    ("persona", "balance"),
    [
        ("importer_bam", "-12.50"),
        ("reader", "-12.50"),
        ("broker_bm", "-12.50"),  # sees statements, balance and payments
        ("broker_pm", None),  # a reader relationship without that visibility
    ],
)
def test_the_account_detail_carries_the_balance_where_visibility_allows(
    request, client_for, importer_bam, rm1, persona, balance
):
    from financial.services import payment_create

    payment_create(
        actor=importer_bam,
        program_account=rm1,
        amount="12.50",
        method="debit_card",
        idempotency_key="k",
    )
    response = client_for(request.getfixturevalue(persona)).get(
        f"/api/v1/program-accounts/{rm1.bn15}/"
    )
    assert response.status_code == 200
    assert response.json()["balance"] == balance


def test_the_interactive_docs_load_nothing_from_another_site(client_for, importer_bam):
    client = client_for(importer_bam)
    page = client.get("/api/docs/").content.decode()
    assert "cdn." not in page and "unpkg" not in page and "https://" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "<script>" not in page  # its start-up script is a file of its own


def test_revoking_a_key_asks_first_and_the_question_changes_nothing(client_for, importer_bam):
    key, _plain = api_key_create(user=importer_bam, name="Nightly export")
    client = client_for(importer_bam)
    listing = client.get(reverse("api_keys")).content.decode()
    assert f'href="{reverse("api_key_revoke", args=[key.pk])}"' in listing
    asked = client.get(reverse("api_key_revoke", args=[key.pk])).content.decode()
    assert "Revoke the key “Nightly export”?" in asked
    assert "Every program that uses this key is refused" in asked
    key.refresh_from_db()
    assert key.revoked_at is None
    french = client.get(f"/fr/profile/api-keys/{key.pk}/revoke/").content.decode()
    assert "Révoquer la clé" in french
    assert client.post(reverse("api_key_revoke", args=[key.pk])).status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    # Asked again once revoked: back to the list.
    assert client.get(reverse("api_key_revoke", args=[key.pk])).status_code == 302
