from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.kinds import Kind, render_body


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("type"), max_length=40, choices=Kind.choices)
    context = models.JSONField(_("facts"), default=dict, blank=True)
    # Where the notification leads: a route of the portal and its arguments, made into a
    # link in the reader's language when shown (`link`), never stored as a URL.
    route = models.CharField(_("route"), max_length=60, blank=True)
    route_args = models.JSONField(_("route arguments"), default=list, blank=True)
    # The sender names the event; the same event never reaches the same person twice.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_once_per_recipient"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def body(self) -> str:
        return render_body(self.kind, self.context)

    @property
    def link(self) -> str:
        """The page the notification leads to, in the active language ("" for none)."""
        if not self.route:
            return ""
        try:
            return reverse(self.route, args=self.route_args)
        except NoReverseMatch:  # a page the portal no longer has
            return ""
