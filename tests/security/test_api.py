"""GET financial-security and POST bonds in the API, by persona; errors in both languages."""

import pytest
from django.utils import timezone

from security.models import SuretyBond
from tests.security.conftest import REVIEWED

pytestmark = pytest.mark.django_db


def security_url(account) -> str:
    return f"/api/v1/program-accounts/{account.bn15}/financial-security/"


def bonds_url(bn15: str) -> str:
    return f"/api/v1/program-accounts/{bn15}/bonds/"


def bond(**fields) -> dict:
    return {
        "bond_number": "TN-1",
        "amount": "15000.00",
        "effective_date": timezone.localdate().isoformat(),
        **fields,
    }


def test_the_bam_reads_the_position_with_money_as_strings(client_for, importer_bam, reviewed):
    body = client_for(importer_bam).get(security_url(reviewed)).json()
    assert body["bn15"] == reviewed.bn15
    assert body["rpp_status"] == "active"
    assert body["required_bond"] == "15000.00" and body["required_cash"] == "30000.00"
    assert body["posted"] == "0.00" and body["shortfall"] == "15000.00"
    assert body["bonds"] == [] and body["cash_deposits"] == []
    assert body["pending_reduction"] is None
    [review] = body["reviews"]
    assert review["year"] == REVIEWED and review["increased"] is True
    assert review["highest_month"] == f"{REVIEWED - 1}-11-01"
    assert review["highest_amount"] == "30000.00" and review["previous_bond"] == "5000.00"
    assert review["effective_date"] == f"{REVIEWED + 1}-01-15"
    forecast = body["forecast"]
    assert forecast["bond"] == "5000.00"  # nothing charged yet in the next window
    assert forecast["window_end"].endswith("-10-19") and forecast["window_start"].endswith("-10-20")
    assert set(forecast) >= {"year", "highest_month", "highest_amount", "cash"}


def test_a_reader_reads_it_too(client_for, reader, reviewed):
    response = client_for(reader).get(security_url(reviewed))
    assert response.status_code == 200 and response.json()["shortfall"] == "15000.00"


def test_a_broker_without_security_visibility_gets_403(client_for, broker_bm, reviewed):
    response = client_for(broker_bm).get(security_url(reviewed))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_outsider_or_a_bad_number_gets_404(client_for, outsider, importer_bam, reviewed):
    assert client_for(outsider).get(security_url(reviewed)).status_code == 404
    bad = client_for(importer_bam).get("/api/v1/program-accounts/12345/financial-security/")
    assert bad.status_code == 404 and bad.json()["code"] == "not_found"


def test_the_surety_posts_a_bond_and_the_shortfall_is_zero(
    client_for, surety_user, importer_bam, reviewed
):
    response = client_for(surety_user).post(
        bonds_url("123456782rm0001"), bond(), content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["bond_number"] == "TN-1" and body["amount"] == "15000.00"
    assert body["bn15"] == reviewed.bn15 and body["surety"] == "True North Surety Co."
    after = client_for(importer_bam).get(security_url(reviewed)).json()
    assert after["shortfall"] == "0.00" and after["posted"] == "15000.00"
    assert after["bonds"][0]["bond_number"] == "TN-1"


def test_a_caller_who_is_not_a_surety_gets_403(client_for, importer_bam, officer, reviewed):
    for user in (importer_bam, officer):
        response = client_for(user).post(
            bonds_url(reviewed.bn15), bond(), content_type="application/json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "not_a_surety"
    assert not SuretyBond.objects.exists()


def test_a_reader_at_the_surety_gets_403(client_for, surety_reader, reviewed):
    response = client_for(surety_reader).post(
        bonds_url(reviewed.bn15), bond(), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "surety_reader"
    assert not SuretyBond.objects.exists()


def test_an_unknown_account_is_404(client_for, surety_user, reviewed):
    client = client_for(surety_user)
    for number in ("876543216RM0009", "not-a-number"):
        response = client.post(bonds_url(number), bond(), content_type="application/json")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not SuretyBond.objects.exists()


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"amount": "1.5e4"}, "invalid", "amount"),  # digits and a point, no exponent
        ({"amount": "1000000000.01"}, "invalid", "amount"),  # past the stated maximum
        ({"amount": "0"}, "amount", None),
        ({"amount": "12.345"}, "invalid", "amount"),
        ({"effective_date": "2001-01-01"}, "effective_date", None),
        ({"bond_number": ""}, "invalid", "bond_number"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    client_for, surety_user, reviewed, fields, code, field
):
    response = client_for(surety_user).post(
        bonds_url(reviewed.bn15), bond(**fields), content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["detail"]
    if field:
        assert field in body["errors"]
    assert not SuretyBond.objects.exists()


def test_the_same_bond_number_twice_is_refused(client_for, surety_user, reviewed):
    client = client_for(surety_user)
    assert (
        client.post(bonds_url(reviewed.bn15), bond(), content_type="application/json").status_code
        == 201
    )
    again = client.post(
        bonds_url(reviewed.bn15), bond(amount="100.00"), content_type="application/json"
    )
    assert again.status_code == 400 and again.json()["code"] == "bond_number_taken"
    assert SuretyBond.objects.count() == 1


def test_refusals_speak_the_callers_language(client_for, surety_user, importer_bam, reviewed):
    client = client_for(surety_user)
    english = client.post(
        bonds_url(reviewed.bn15), bond(amount="0"), content_type="application/json"
    ).json()
    assert english["detail"] == "Enter an amount greater than zero, with at most two decimals."
    french = client.post(
        bonds_url(reviewed.bn15),
        bond(amount="0"),
        content_type="application/json",
        headers={"accept-language": "fr"},
    ).json()
    assert french["detail"] == "Entrez un montant supérieur à zéro, avec au plus deux décimales."
    refused = client_for(importer_bam).post(
        bonds_url(reviewed.bn15),
        bond(),
        content_type="application/json",
        headers={"accept-language": "fr"},
    )
    assert refused.json()["detail"].startswith("Seuls les utilisateurs d'une société")
