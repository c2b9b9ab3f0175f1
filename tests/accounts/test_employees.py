"""Managing employees: approve or reject requests, change roles and scope, remove access."""

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError
from django.urls import reverse

from accounts.models import AccessEvent, AccessRequest, Membership, Role
from notifications.models import Notification
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(maple):
    return AccessRequest.objects.create(user=UserFactory(email="new@maple.example"), business=maple)


def approve(client, request, role, accounts=()):
    return client.post(
        reverse("access_request_decide", args=[request.business.bn9, request.pk]),
        {"role": role, "program_accounts": [a.pk for a in accounts]},
    )


def test_bam_approves_as_reader_on_rm0001(client_for, importer_bam, pending, rm1):
    response = approve(client_for(importer_bam), pending, Role.READER, [rm1])
    assert response.status_code == 302
    membership = Membership.objects.get(user=pending.user)
    assert membership.role == Role.READER
    assert list(membership.program_accounts.all()) == [rm1]
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("approved", importer_bam)
    notice = Notification.objects.get(recipient=pending.user)
    assert notice.kind == "access_granted"
    assert "approved with the role Reader" in notice.body
    event = AccessEvent.objects.get(action="granted")
    assert event.after == {"role": "reader", "program_accounts": ["123456782RM0001"]}


def test_reject_notifies_the_requester(client_for, importer_bam, pending):
    client_for(importer_bam).post(
        reverse("access_request_reject", args=[pending.business.bn9, pending.pk])
    )
    pending.refresh_from_db()
    assert pending.status == "rejected"
    assert Notification.objects.get(recipient=pending.user).kind == "access_refused"
    assert not Membership.objects.filter(user=pending.user).exists()


def test_a_decided_request_cannot_be_decided_again(client_for, importer_bam, pending, rm1):
    client = client_for(importer_bam)
    approve(client, pending, Role.READER, [rm1])
    response = approve(client, pending, Role.EDITOR, [rm1])
    assert "This request was already answered." in response.content.decode()
    assert Membership.objects.get(user=pending.user).role == Role.READER


def test_pam_grants_only_on_its_own_account(client_for, pam, pending, rm1, rm2):
    client = client_for(pam)
    response = approve(client, pending, Role.EDITOR, [rm2])
    assert response.status_code == 200
    assert not Membership.objects.filter(user=pending.user).exists()
    response = approve(client, pending, Role.BAM)
    assert "Select a valid choice" in response.content.decode()  # BAM is not offered
    assert approve(client, pending, Role.EDITOR, [rm1]).status_code == 302


def test_a_role_below_bam_needs_an_account(client_for, importer_bam, pending):
    response = approve(client_for(importer_bam), pending, Role.EDITOR, [])
    assert "Choose at least one program account." in response.content.decode()


def test_change_role_records_before_and_after(client_for, importer_bam, reader, rm1, rm2):
    membership = Membership.objects.get(user=reader)
    response = client_for(importer_bam).post(
        reverse("membership_edit", args=["123456782", membership.pk]),
        {"role": Role.EDITOR, "program_accounts": [rm1.pk, rm2.pk]},
    )
    assert response.status_code == 302
    event = AccessEvent.objects.get(action="changed")
    assert event.actor == importer_bam and event.subject == reader
    assert event.before == {"role": "reader", "program_accounts": ["123456782RM0001"]}
    assert event.after == {
        "role": "editor",
        "program_accounts": ["123456782RM0001", "123456782RM0002"],
    }


def test_the_last_bam_can_be_neither_demoted_nor_removed(client_for, importer_bam, rm1):
    membership = Membership.objects.get(user=importer_bam)
    client = client_for(importer_bam)
    response = client.post(
        reverse("membership_edit", args=["123456782", membership.pk]),
        {"role": Role.READER, "program_accounts": [rm1.pk]},
    )
    assert "must keep at least one Business Account Manager" in response.content.decode()
    response = client.post(
        reverse("membership_remove", args=["123456782", membership.pk]), follow=True
    )
    assert "must keep at least one Business Account Manager" in response.content.decode()
    assert Membership.objects.get(user=importer_bam).role == Role.BAM
    assert not AccessEvent.objects.exists()


def test_with_a_second_bam_one_may_step_down(client_for, importer_bam, maple):
    second = UserFactory()
    member(second, maple, Role.BAM)
    membership = Membership.objects.get(user=importer_bam)
    client_for(second).post(reverse("membership_remove", args=["123456782", membership.pk]))
    assert not Membership.objects.filter(user=importer_bam).exists()
    assert AccessEvent.objects.get(action="removed").before == {
        "role": "bam",
        "program_accounts": [],
    }


def test_pam_cannot_touch_a_bam_or_people_outside_its_account(
    client_for, pam, importer_bam, maple, rm2
):
    other = UserFactory()
    outside = member(other, maple, Role.READER, [rm2])
    client = client_for(pam)
    bam_membership = Membership.objects.get(user=importer_bam)
    for membership in (bam_membership, outside):
        assert (
            client.get(reverse("membership_edit", args=["123456782", membership.pk])).status_code
            == 403
        )
        assert (
            client.post(reverse("membership_remove", args=["123456782", membership.pk])).status_code
            == 403
        )
    assert Membership.objects.filter(pk__in=[bam_membership.pk, outside.pk]).count() == 2


def test_access_events_cannot_be_rewritten(importer_bam, maple):
    event = AccessEvent.objects.create(
        business=maple, actor=importer_bam, subject=importer_bam, action="granted"
    )
    for statement in (
        "UPDATE accounts_accessevent SET action = 'removed'",
        "DELETE FROM accounts_accessevent",
    ):
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    event.refresh_from_db()
    assert event.action == "granted"


# --- Who reaches which page -------------------------------------------------------------

PAGES = [
    # name, args, method, what a reader / editor gets (403: seen but not allowed)
    ("employees", ["123456782"], "get"),
    ("access_request_decide", ["123456782", "{request}"], "get"),
    ("access_request_decide", ["123456782", "{request}"], "post"),
    ("access_request_reject", ["123456782", "{request}"], "post"),
    ("membership_edit", ["123456782", "{reader_membership}"], "get"),
    ("membership_edit", ["123456782", "{reader_membership}"], "post"),
    ("membership_remove", ["123456782", "{reader_membership}"], "post"),
]

EXPECTED = {
    # persona: status for every page above
    "outsider": 404,
    "broker": 404,
    "reader": 403,
    "editor": 403,
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
@pytest.mark.parametrize(("name", "args", "method"), PAGES)
def test_access_management_pages_by_persona(
    request, client_for, pending, reader, persona, name, args, method
):
    user = request.getfixturevalue(persona)
    ids = {"request": pending.pk, "reader_membership": Membership.objects.get(user=reader).pk}
    url = reverse(name, args=[str(a).format(**ids) for a in args])
    before = (Membership.objects.count(), AccessRequest.objects.filter(status="pending").count())
    response = getattr(client_for(user), method)(url)
    assert response.status_code == EXPECTED[persona]
    assert (
        Membership.objects.count(),
        AccessRequest.objects.filter(status="pending").count(),
    ) == before


@pytest.mark.parametrize(("name", "args", "method"), PAGES)
def test_anonymous_is_sent_to_sign_in(client, pending, reader, name, args, method):
    ids = {"request": pending.pk, "reader_membership": Membership.objects.get(user=reader).pk}
    response = getattr(client, method)(reverse(name, args=[str(a).format(**ids) for a in args]))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_bam_and_pam_see_the_employees_page(client_for, importer_bam, pam, pending):
    for manager in (importer_bam, pam):
        body = client_for(manager).get(reverse("employees", args=["123456782"])).content.decode()
        assert pending.user.email in body


def test_program_account_page_by_persona(
    client_for, importer_bam, pam, editor, reader, outsider, rm1, rm2
):
    url1 = reverse("program_account", args=[rm1.bn15])
    url2 = reverse("program_account", args=[rm2.bn15])
    manage = reverse("employees", args=["123456782"])
    assert manage in client_for(importer_bam).get(url2).content.decode()
    assert manage in client_for(pam).get(url1).content.decode()
    for user in (editor, reader):
        response = client_for(user).get(url1)
        assert response.status_code == 200
        assert manage not in response.content.decode()  # no action buttons
        assert client_for(user).get(url2).status_code == 404
    assert client_for(pam).get(url2).status_code == 404
    assert client_for(outsider).get(url1).status_code == 404


def test_home_lists_only_the_accounts_one_may_see(client_for, reader, importer_bam):
    body = client_for(reader).get("/en/").content.decode()
    assert "123456782 RM 0001" in body
    assert "123456782 RM 0002" not in body
    assert reverse("employees", args=["123456782"]) not in body
    body = client_for(importer_bam).get("/en/").content.decode()
    assert "123456782 RM 0002" in body and reverse("employees", args=["123456782"]) in body


def test_business_switcher(client_for, importer_bam, outsider):
    from accounts.models import Business

    prairie = Business.objects.get(bn9="876543216")
    member(importer_bam, prairie, Role.READER, prairie.program_accounts.all())
    client = client_for(importer_bam)
    assert "Maple Leaf Imports Inc." in client.get("/en/").content.decode()
    body = client.get("/en/?business=876543216").content.decode()
    assert "876543216 RM 0001" in body and "123456782 RM 0001" not in body
    assert "876543216 RM 0001" in client.get("/en/").content.decode()  # the choice is kept
    body = client.get("/en/?business=555123454").content.decode()  # not theirs: ignored
    assert "555123454 RM" not in body and "876543216 RM 0001" in body
