"""Business relationships from request to revocation, visibility rules, client groups, the
access log and the audit history."""

import datetime

import pghistory.models
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services.keys import api_key_create
from delegation.models import AccessLogEntry, ClientGroup, Relationship
from delegation.permissions import Action, can, program_accounts_visible_to
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def fresh(user):
    """The same person on a new request: nothing remembered from before."""
    return type(user).objects.get(pk=user.pk)


def test_a_broker_requests_and_the_importer_approves_program_management(
    client_for, maple, rm1, rm2, importer_bam, broker, broker_firm
):
    brokers = client_for(broker)
    response = brokers.post(
        reverse("provider_relationships", args=[broker_firm.bn9]),
        {"importer_bn9": "123 456 782", "kind": "program", "comment": "RM0001 only, please"},
    )
    assert response.status_code == 302
    relationship = Relationship.objects.get(provider=broker_firm, importer=maple)
    assert relationship.status == "pending"
    # Until the importer answers, the broker sees its number, never its name.
    page = brokers.get(response.url).content.decode()
    assert "sent to the business with number 123456782" in page
    assert "Maple Leaf" not in page
    notice = Notification.objects.get(recipient=importer_bam)
    assert notice.kind == "third_party_request"
    assert "Northern Customs Brokers Ltd. asks for a business relationship" in notice.body
    assert program_accounts_visible_to(fresh(broker)).count() == 1  # only its own RM0001

    response = client_for(importer_bam, reauthenticated=True).post(
        reverse("relationship_terms", args=[maple.bn9, relationship.pk]),
        {"program_accounts": [rm1.pk], "level": "editor", "sees_statements": "on"},
    )
    assert response.status_code == 302
    relationship.refresh_from_db()
    assert (relationship.status, relationship.level, relationship.decided_by) == (
        "active",
        "editor",
        importer_bam,
    )
    broker = fresh(broker)
    visible = set(program_accounts_visible_to(broker).values_list("bn15", flat=True))
    assert visible == {"555123454RM0001", rm1.bn15}
    assert can(broker, Action.PAY, rm1) and can(broker, Action.VIEW_STATEMENTS, rm1)
    assert not can(broker, Action.VIEW_SECURITY, rm1)
    assert not can(broker, Action.VIEW_OTHERS_TRANSACTIONS, rm1)
    assert not can(broker, Action.MANAGE_ACCESS, rm1)
    assert not can(broker, Action.VIEW_ACCOUNT, rm2)
    assert Notification.objects.get(recipient=broker).kind == "third_party_approved"


def test_a_reader_relationship_cannot_pay(maple, rm1, broker_pm):
    assert can(broker_pm, Action.VIEW_ACCOUNT, rm1)
    assert not can(broker_pm, Action.PAY, rm1)
    assert not can(broker_pm, Action.FILE_DECLARATION, rm1)


def test_a_pam_approves_program_management_on_its_account_only(
    client_for, maple, rm1, rm2, pam, broker, broker_firm
):
    relationship = Relationship.objects.create(
        provider=broker_firm, importer=maple, kind="program", requested_by=broker
    )
    url = reverse("relationship_terms", args=[maple.bn9, relationship.pk])
    response = client_for(pam, reauthenticated=True).post(
        url, {"program_accounts": [rm2.pk], "level": "reader"}
    )
    assert response.status_code == 200
    relationship.refresh_from_db()
    assert relationship.status == "pending"
    client_for(pam, reauthenticated=True).post(
        url, {"program_accounts": [rm1.pk], "level": "reader"}
    )
    relationship.refresh_from_db()
    assert relationship.status == "active"


def test_a_pam_cannot_approve_business_management(client_for, maple, pam, broker, broker_firm):
    relationship = Relationship.objects.create(
        provider=broker_firm, importer=maple, kind="business", requested_by=broker
    )
    response = client_for(pam, reauthenticated=True).post(
        reverse("relationship_terms", args=[maple.bn9, relationship.pk]), {"level": "reader"}
    )
    assert response.status_code == 403
    relationship.refresh_from_db()
    assert relationship.status == "pending"


def test_only_the_provider_side_asks(client_for, importer_bam, maple):
    response = client_for(importer_bam).get(reverse("provider_relationships", args=[maple.bn9]))
    assert response.status_code == 404  # Maple is not a service provider


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"importer_bn9": "123456789", "kind": "business"}, "check its last digit"),
        ({"importer_bn9": "119219814", "kind": "business"}, "CBSA has no importer with this"),
        ({"importer_bn9": "123456782", "kind": "business"}, "already a pending or approved"),
    ],
)
def test_request_refusals(client_for, broker_bm, broker_firm, data, message):
    before = Relationship.objects.count()
    response = client_for(broker_bm).post(
        reverse("provider_relationships", args=[broker_firm.bn9]), data
    )
    assert message in response.content.decode()
    assert Relationship.objects.count() == before


def test_an_end_date_in_the_past_is_refused(client_for, maple, importer_bam, broker, broker_firm):
    relationship = Relationship.objects.create(
        provider=broker_firm, importer=maple, kind="business", requested_by=broker
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client_for(importer_bam, reauthenticated=True).post(
        reverse("relationship_terms", args=[maple.bn9, relationship.pk]),
        {"level": "reader", "ends_on": yesterday.isoformat()},
    )
    assert "The end date cannot be in the past." in response.content.decode()
    relationship.refresh_from_db()
    assert relationship.status == "pending"


def test_revocation_holds_on_the_next_request_also_for_api_keys(
    client, client_for, maple, rm1, importer_bam, broker_bm, broker_firm
):
    _, token = api_key_create(user=broker_bm, name="broker system")
    page = reverse("program_account", args=[rm1.bn15])
    api = f"/api/v1/program-accounts/{rm1.bn15}/"
    broker_client = client_for(broker_bm)
    assert broker_client.get(page).status_code == 200
    assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    relationship = Relationship.objects.get(provider=broker_firm, importer=maple)
    client_for(importer_bam, reauthenticated=True).post(
        reverse("relationship_revoke", args=[maple.bn9, relationship.pk])
    )

    assert broker_client.get(page).status_code == 404
    assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
    listing = client.get("/api/v1/program-accounts/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert [a["bn15"] for a in listing.json()["results"]] == ["555123454RM0001"]
    assert Notification.objects.get(recipient=broker_bm, kind="third_party_revoked")


def test_a_relationship_lapses_after_its_end_date(maple, rm1, broker_bm, broker_firm, time_machine):
    relationship = Relationship.objects.get(provider=broker_firm, importer=maple)
    relationship.ends_on = datetime.date(2026, 12, 31)
    relationship.save()
    time_machine.move_to(datetime.datetime(2026, 12, 31, 23, 0, tzinfo=datetime.UTC))  # 18:00 ET
    assert can(fresh(broker_bm), Action.VIEW_ACCOUNT, rm1)
    time_machine.move_to(datetime.datetime(2027, 1, 1, 6, 0, tzinfo=datetime.UTC))  # 01:00 ET
    assert not can(fresh(broker_bm), Action.VIEW_ACCOUNT, rm1)


def test_employees_work_only_on_clients_of_their_groups(
    client_for, maple, rm1, broker_bm, broker_firm, broker_group_agent, broker_outside_group
):
    assert can(broker_group_agent, Action.FILE_DECLARATION, rm1)
    assert not can(broker_outside_group, Action.VIEW_ACCOUNT, rm1)
    group = ClientGroup.objects.get(name="Maple team")
    client_for(broker_bm).post(reverse("client_group_delete", args=[broker_firm.bn9, group.pk]))
    assert not can(fresh(broker_group_agent), Action.VIEW_ACCOUNT, rm1)
    assert can(fresh(broker_bm), Action.VIEW_ACCOUNT, rm1)  # the BAM acts for every client


def test_a_client_group_name_is_never_used_twice(client_for, broker_bm, broker_firm):
    client = client_for(broker_bm)
    url = reverse("client_groups", args=[broker_firm.bn9])
    client.post(url, {"name": "Ontario importers"})
    group = ClientGroup.objects.get(name="Ontario importers")
    response = client.post(url, {"name": "ontario IMPORTERS"})
    assert "is or was already used" in response.content.decode()
    client.post(reverse("client_group_delete", args=[broker_firm.bn9, group.pk]))
    response = client.post(url, {"name": "Ontario importers"})
    assert "is or was already used" in response.content.decode()
    assert ClientGroup.objects.filter(provider=broker_firm).count() == 1


def test_groups_take_only_clients_and_own_people(
    client_for, broker_bm, broker_firm, maple, outsider
):
    from accounts.models import Business

    client = client_for(broker_bm)
    client.post(reverse("client_groups", args=[broker_firm.bn9]), {"name": "Team"})
    group = ClientGroup.objects.get(name="Team")
    prairie = Business.objects.get(bn9="876543216")
    url = reverse("client_group_edit", args=[broker_firm.bn9, group.pk])
    response = client.post(url, {"clients": [prairie.pk], "employees": [outsider.pk]})
    assert response.status_code == 200  # neither is offered
    assert not group.clients.exists() and not group.employees.exists()
    client.post(url, {"clients": [maple.pk], "employees": [broker_bm.pk]})
    assert list(group.clients.all()) == [maple]


def test_my_clients_shows_rpp_status_only_with_security_visibility(
    client_for, maple, broker_bm, broker_firm
):
    url = reverse("my_clients", args=[broker_firm.bn9])
    body = client_for(broker_bm).get(url).content.decode()
    assert "123456782 RM 0001" in body and "123456782 RM 0002" in body
    assert "Not shared with you" in body
    Relationship.objects.filter(importer=maple).update(sees_security=True)
    body = client_for(broker_bm).get(url).content.decode()
    assert "Not shared with you" not in body and "Not enrolled" in body
    assert "123456782 RM 0002" not in client_for(broker_bm).get(url + "?q=RM0001").content.decode()
    assert "Maple" in client_for(broker_bm).get(url + "?q=maple").content.decode()


def test_the_importer_reads_who_looked_at_what(
    client_for, maple, rm1, importer_bam, broker_group_agent
):
    client_for(broker_group_agent).get(reverse("program_account", args=[rm1.bn15]))
    client_for(importer_bam).get(reverse("program_account", args=[rm1.bn15]))  # not logged
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.importer, entry.program_account, entry.action) == (
        broker_group_agent,
        maple,
        rm1,
        "viewed",
    )
    body = client_for(importer_bam).get(reverse("access_log", args=[maple.bn9])).content.decode()
    assert "teammate@broker.example" in body and "123456782 RM 0001" in body


def test_history_records_who_changed_a_relationship(
    client_for, maple, importer_bam, broker_bm, broker_firm
):
    relationship = Relationship.objects.get(provider=broker_firm, importer=maple)
    client_for(importer_bam, reauthenticated=True).post(
        reverse("relationship_terms", args=[maple.bn9, relationship.pk]),
        {"level": "reader", "sees_security": "on"},
    )
    event = pghistory.models.Events.objects.filter(
        pgh_obj_model="delegation.Relationship", pgh_label="update"
    ).latest("pgh_created_at")
    assert event.pgh_data["level"] == "reader" and event.pgh_data["sees_security"] is True
    assert event.pgh_context["user"] == importer_bam.pk
    assert Notification.objects.get(recipient=broker_bm, kind="third_party_changed")


def test_relationships_api_is_read_only_and_scoped(
    client_for, maple, importer_bam, broker_bm, outsider, reader
):
    body = client_for(broker_bm).get("/api/v1/relationships/").json()
    assert len(body["results"]) == 1
    result = body["results"][0]
    assert result["importer"] == {"bn9": "123456782", "legal_name": "Maple Leaf Imports Inc."}
    assert result["kind"] == "business" and result["in_force"] is True
    assert result["visibility"] == {
        "own_transactions": True,
        "others_transactions": False,
        "statements": True,
        "financial_security": False,
        "cases": False,
    }
    assert len(client_for(importer_bam).get("/api/v1/relationships/").json()["results"]) == 1
    assert client_for(outsider).get("/api/v1/relationships/").json()["results"] == []
    assert client_for(reader).get("/api/v1/relationships/").json()["results"] == []
    assert client_for(broker_bm).post("/api/v1/relationships/").status_code == 405


def test_rpp_status_is_financial_security_information(client_for, rm1, broker_bm, reader):
    page = client_for(broker_bm).get(reverse("program_account", args=[rm1.bn15])).content.decode()
    assert "Not shared with you" in page
    api = client_for(broker_bm).get(f"/api/v1/program-accounts/{rm1.bn15}/").json()
    assert api["rpp_status"] is None and api["access"] == "third_party"
    assert (
        client_for(reader).get(f"/api/v1/program-accounts/{rm1.bn15}/").json()["rpp_status"]
        == "not_enrolled"
    )
    Relationship.objects.update(sees_security=True)
    assert (
        client_for(broker_bm).get(f"/api/v1/program-accounts/{rm1.bn15}/").json()["rpp_status"]
        == "not_enrolled"
    )


def test_both_sides_hear_of_each_step_but_not_the_one_who_acted(
    client_for, maple, importer_bam, pam, broker, broker_firm
):
    from accounts.models import Role
    from tests.factories import UserFactory, member

    second_broker_bam = UserFactory(email="second@broker.example")
    member(second_broker_bam, broker_firm, Role.BAM)
    client_for(broker).post(
        reverse("provider_relationships", args=[broker_firm.bn9]),
        {"importer_bn9": "123456782", "kind": "business"},
    )
    requested = set(
        Notification.objects.filter(kind="third_party_request").values_list(
            "recipient__email", flat=True
        )
    )
    assert requested == {importer_bam.email, pam.email, second_broker_bam.email}
    relationship = Relationship.objects.get(provider=broker_firm)
    client_for(importer_bam, reauthenticated=True).post(
        reverse("relationship_terms", args=[maple.bn9, relationship.pk]), {"level": "reader"}
    )
    approved = set(
        Notification.objects.filter(kind="third_party_approved").values_list(
            "recipient__email", flat=True
        )
    )
    assert approved == {broker.email, second_broker_bam.email, pam.email}


@pytest.mark.parametrize("action", ["terms", "revoke"])
def test_changing_a_delegation_asks_for_the_password_again(
    client, maple, importer_bam, broker_bm, broker_firm, action
):
    """Signed in, but not with a password typed in the last 5 minutes: first the password."""
    from delegation.models import Relationship
    from tests.factories import PASSWORD

    relationship = Relationship.objects.get(provider=broker_firm, importer=maple)
    client.post("/en/accounts/login/", {"login": importer_bam.email, "password": PASSWORD})
    url = reverse(f"relationship_{action}", args=[maple.bn9, relationship.pk])
    response = client.post(url, {"level": "reader"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    relationship.refresh_from_db()
    assert (relationship.status, relationship.level) == ("active", "editor")

    client.post(response["Location"], {"password": PASSWORD})
    response = client.post(url, {"level": "reader"})
    relationship.refresh_from_db()
    assert response.status_code == 302
    assert relationship.status == ("revoked" if action == "revoke" else "active")


def test_revoking_asks_first_naming_what_the_provider_loses(
    client_for, maple, rm1, importer_bam, broker_bm, broker_firm
):
    relationship = Relationship.objects.get(provider=broker_firm, importer=maple)
    url = reverse("relationship_revoke", args=[maple.bn9, relationship.pk])
    client = client_for(importer_bam)
    listing = client.get(reverse("third_parties", args=[maple.bn9])).content.decode()
    assert f'href="{url}"' in listing
    asked = client.get(url).content.decode()
    assert "Revoke the relationship with Northern Customs Brokers Ltd.?" in asked
    assert "must send a new request" in asked
    assert 'method="post"' in asked
    relationship.refresh_from_db()
    assert relationship.status == "active"  # asking changed nothing
    assert "Révoquer la relation" in client.get(url.replace("/en/", "/fr/")).content.decode()
