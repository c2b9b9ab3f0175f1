import pytest
from django.urls import reverse
from django.utils import translation

from notifications import services as notification_services
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import Notice, notification_send, notifications_send
from notifications.tasks import notification_emails_send
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

REVIEW = {
    "account": "123456782RM0001",
    "previous": "$5,000",
    "required": "$12,500",
    "effective_date": "2027-01-15",
}


def send_review(user):
    return notification_send(
        recipient=user,
        kind=Kind.RPP_ANNUAL_REVIEW,
        dedupe_key="rpp-annual-review:2026:123456782RM0001",
        context=REVIEW,
        route="home",
    )


def test_the_same_event_reaches_a_person_once(
    importer_bam, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = send_review(importer_bam)
    with django_capture_on_commit_callbacks(execute=True):
        again, created_again = send_review(importer_bam)
    assert created and not created_again
    assert first.pk == again.pk
    assert Notification.objects.filter(recipient=importer_bam).count() == 1
    assert len(mailoutbox) == 1


def test_the_same_event_reaches_each_person(
    importer_bam, reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_review(importer_bam)
        send_review(reader)
    assert Notification.objects.count() == 2


def test_the_email_waits_for_the_commit(
    importer_bam, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_review(importer_bam)
    assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1


def test_the_email_speaks_the_recipients_language(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(preferred_language="fr", first_name="Marie")
    with django_capture_on_commit_callbacks(execute=True):
        notification, _ = send_review(user)
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert message.subject == "[GCRA] MAP – Examen annuel"
    assert "Bonjour Marie," in message.body
    assert "de $5,000 à $12,500" in message.body
    assert "http://testserver/fr/notifications/" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_no_email_for_a_user_who_turned_them_off(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email_notifications=False)
    with django_capture_on_commit_callbacks(execute=True):
        send_review(user)
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=user).exists()


def test_inbox_shows_only_ones_own_notifications(client_for, importer_bam, outsider):
    mine = NotificationFactory(recipient=importer_bam)
    NotificationFactory(
        recipient=outsider, context={"account": "876543216RM0001", "statement_date": "x"}
    )
    response = client_for(importer_bam).get("/en/notifications/")
    body = response.content.decode()
    assert f'id="notification-{mine.pk}"' in body
    assert "876543216RM0001" not in body
    assert "Statement available" in body


def test_inbox_in_french(client_for, importer_bam):
    NotificationFactory(recipient=importer_bam)
    body = client_for(importer_bam).get("/fr/notifications/").content.decode()
    assert "Relevé disponible" in body
    assert "Le relevé de compte de 123456782RM0001 daté du 25 octobre 2026 est disponible." in body


def test_the_bell_counts_unread_notifications_on_every_page(client_for, importer_bam):
    NotificationFactory.create_batch(3, recipient=importer_bam)
    client = client_for(importer_bam)
    for page in ("/en/", "/en/profile/", "/en/notifications/"):
        response = client.get(page)
        assert response.context["unread_notification_count"] == 3
        assert (
            '<span class="carm-bell-count"><span aria-hidden="true">3</span>'
            in response.content.decode()
        )


def test_mark_as_read(client_for, importer_bam):
    notification = NotificationFactory(recipient=importer_bam)
    response = client_for(importer_bam).post(
        reverse("notifications:mark_read", args=[notification.pk])
    )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.is_read


def test_mark_as_read_with_htmx_swaps_the_row_and_the_bell(client_for, importer_bam):
    first, _second = NotificationFactory.create_batch(2, recipient=importer_bam)
    response = client_for(importer_bam).post(
        reverse("notifications:mark_read", args=[first.pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert f'<tr id="notification-{first.pk}" class="carm-read">' in body
    assert 'id="notification-bell" hx-swap-oob="true"' in body
    assert '<span aria-hidden="true">1</span>' in body


def test_another_persons_notification_is_not_found(client_for, importer_bam, outsider):
    theirs = NotificationFactory(recipient=outsider)
    response = client_for(importer_bam).post(reverse("notifications:mark_read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_mark_all_as_read(client_for, importer_bam, outsider):
    NotificationFactory.create_batch(2, recipient=importer_bam)
    theirs = NotificationFactory(recipient=outsider)
    client_for(importer_bam).post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(recipient=importer_bam, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_inbox_filters_unread_and_pages(client_for, importer_bam):
    NotificationFactory.create_batch(25, recipient=importer_bam)
    read = NotificationFactory(recipient=importer_bam)
    read.read_at = read.created_at
    read.save()
    client = client_for(importer_bam)
    first = client.get("/en/notifications/?show=unread")
    assert len(first.context["page"].object_list) == 20
    assert first.context["page"].paginator.count == 25
    assert "Page 1 of 2" in first.content.decode()


def test_inbox_needs_sign_in(client):
    assert client.get("/en/notifications/").status_code == 302


def test_api_lists_the_callers_inbox(client_for, importer_bam, outsider):
    mine = NotificationFactory(recipient=importer_bam)
    NotificationFactory(recipient=outsider)
    response = client_for(importer_bam).get("/api/v1/notifications/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["id"] for item in results] == [mine.pk]
    assert results[0]["type"] == "statement_available"
    assert results[0]["read"] is False


def test_api_marks_read_and_hides_others(client_for, importer_bam, outsider):
    mine, theirs = (
        NotificationFactory(recipient=importer_bam),
        NotificationFactory(recipient=outsider),
    )
    client = client_for(importer_bam)
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").json()["read"] is True
    missing = client.post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert missing.status_code == 404
    assert set(missing.json()) == {"detail", "code"}


def test_api_needs_authentication(client):
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


# --- Many at once (the scheduled jobs) ---------------------------------------------------


def notices_for(*users, key="rpp-annual-review:2026:123456782RM0001"):
    return [Notice(recipient=user, dedupe_key=key, context=REVIEW, route="home") for user in users]


def test_many_at_once_each_person_once(
    importer_bam, reader, mailoutbox, django_capture_on_commit_callbacks
):
    send_review(importer_bam)  # already told, one at a time
    with django_capture_on_commit_callbacks(execute=True):
        created = notifications_send(
            kind=Kind.RPP_ANNUAL_REVIEW, notices=notices_for(importer_bam, reader, reader)
        )
    assert created == 1
    assert Notification.objects.filter(recipient=importer_bam).count() == 1
    new = Notification.objects.get(recipient=reader)
    assert (new.kind, new.context, new.link, new.read_at) == (
        Kind.RPP_ANNUAL_REVIEW,
        REVIEW,
        "/en/",
        None,
    )
    assert new.body == send_review(reader)[0].body
    assert [message.to for message in mailoutbox] == [[reader.email]]
    new.refresh_from_db()
    assert new.emailed_at is not None


def test_many_at_once_emails_after_commit_in_batches_to_subscribers(
    mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(notification_services, "EMAIL_BATCH", 2)
    subscribed = UserFactory.create_batch(5)
    silent = UserFactory(email_notifications=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = notifications_send(
            kind=Kind.RPP_ANNUAL_REVIEW, notices=notices_for(*subscribed, silent)
        )
    assert created == 6
    assert mailoutbox == []
    assert len(callbacks) == 3  # 5 emails, 2 a task
    for callback in callbacks:
        callback()
    assert sorted(message.to[0] for message in mailoutbox) == sorted(u.email for u in subscribed)
    assert Notification.objects.filter(recipient=silent, emailed_at__isnull=True).exists()


def test_a_batch_sent_again_emails_nobody_twice(mailoutbox, django_capture_on_commit_callbacks):
    users = UserFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        notifications_send(kind=Kind.RPP_ANNUAL_REVIEW, notices=notices_for(*users))
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notification_emails_send.delay(ids).get() == 0
    assert len(mailoutbox) == 3


def test_nothing_to_send_writes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert notifications_send(kind=Kind.RPP_ANNUAL_REVIEW, notices=[]) == 0
    assert callbacks == []
    assert not Notification.objects.exists()


def test_amounts_are_written_in_the_readers_language(importer_bam):
    notification, _ = notification_send(
        recipient=importer_bam,
        kind=Kind.RPP_ANNUAL_REVIEW,
        dedupe_key="rpp-review:123456782RM0001:2026",
        context={**REVIEW, "previous": "5000.00", "required": "17609.00"},
    )
    with translation.override("en"):
        assert "from $5,000.00 to $17,609.00" in notification.body
    with translation.override("fr"):
        assert "de 5\u00a0000,00\u00a0$ à 17\u00a0609,00\u00a0$" in notification.body


# --- Links made when read -------------------------------------------------------------------


def test_a_notification_links_in_the_readers_language(importer_bam):
    from django.utils import translation

    notification, _ = notification_send(
        recipient=importer_bam,
        kind=Kind.STATEMENT_AVAILABLE,
        dedupe_key="statement:123456782RM0001:2026-10-17",
        context={"account": "123456782RM0001", "statement_date": "2026-10-25"},
        route="statement",
        route_args=["123456782RM0001", "2026-10-17"],
    )
    with translation.override("fr"):
        assert notification.link == "/fr/program-accounts/123456782RM0001/statements/2026-10-17/"
    with translation.override("en"):
        assert notification.link == "/en/program-accounts/123456782RM0001/statements/2026-10-17/"
    notification.route = "a_page_no_longer_there"
    assert notification.link == ""


@pytest.mark.django_db(transaction=True)
def test_links_stored_as_urls_become_routes(importer_bam):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("notifications", "0002_alter_notification_kind")],
        [("notifications", "0003_notification_route")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("notifications", "Notification")
    for n, link in enumerate(
        [
            "/en/program-accounts/123456782RM0001/statements/2026-10-17/",
            "/program-accounts/123456782RM0001/financial-security/",
            "/nowhere/",
            "",
        ]
    ):
        old.objects.create(
            recipient_id=importer_bam.pk, kind="message", dedupe_key=f"k{n}", link=link
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    # The rest of the run needs the database as the code has it, every migration applied.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    routes = list(Notification.objects.order_by("dedupe_key").values_list("route", "route_args"))
    assert routes == [
        ("statement", ["123456782RM0001", "2026-10-17"]),
        ("financial_security", ["123456782RM0001"]),
        ("", []),
        ("", []),
    ]


def test_a_french_subject_keeps_its_apostrophes(mailoutbox, django_capture_on_commit_callbacks):
    """A subject is plain text: "Demande d'accès", never "d&#x27;accès"."""
    user = UserFactory(preferred_language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            recipient=user,
            kind=Kind.ACCESS_REQUEST,
            dedupe_key="access-request:1",
            context={"requester": "Ann O'Neil", "business": "Maple Leaf Imports Inc."},
        )
    subject = mailoutbox[0].subject
    assert "&#x27;" not in subject and "&amp;" not in subject
    assert subject == "[GCRA] Demande d'accès"
