"""Third-party relationships, their visibility rules, client groups and the access log.

A service provider (customs broker, consultant) acts for an importer only through an
approved relationship (docs/rules.md §3). Its employees act only for the clients of their
client groups; the provider's BAM for all of them.
"""

import datetime

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, ProgramAccount
from carm.formats import moment


class RelationshipQuerySet(models.QuerySet):
    def in_force(self, today: datetime.date) -> "RelationshipQuerySet":
        """Approved, not revoked, and not past its end date."""
        return self.filter(status=Relationship.Status.ACTIVE).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today)
        )


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Relationship(models.Model):
    class Kind(models.TextChoices):
        BUSINESS_MANAGEMENT = "business", _("Business Management")
        PROGRAM_MANAGEMENT = "program", _("Program Management")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Revoked")

    class Level(models.TextChoices):
        EDITOR = "editor", _("Editor")
        READER = "reader", _("Reader")

    provider = models.ForeignKey(
        Business,
        on_delete=models.PROTECT,
        related_name="client_relationships",
        verbose_name=_("service provider"),
    )
    importer = models.ForeignKey(
        Business,
        on_delete=models.PROTECT,
        related_name="provider_relationships",
        verbose_name=_("importer"),
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    level = models.CharField(
        _("access level"), max_length=10, choices=Level.choices, default=Level.READER
    )
    program_accounts = models.ManyToManyField(
        ProgramAccount,
        through="RelationshipAccount",
        blank=True,
        related_name="relationships",
        verbose_name=_("program accounts"),
    )
    # Visibility rules, set by the importer. Transactions the provider filed itself are
    # always visible.
    sees_others_transactions = models.BooleanField(
        _("transactions filed by other parties"), default=False
    )
    sees_statements = models.BooleanField(_("statements, balance and payments"), default=False)
    sees_security = models.BooleanField(_("financial security"), default=False)
    # Appeals and ruling requests (the cases app): off unless the importer grants them.
    sees_cases = models.BooleanField(_("cases"), default=False)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = RelationshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("business relationship")
        verbose_name_plural = _("business relationships")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "importer"],
                condition=Q(status__in=["pending", "active"]),
                name="relationship_one_open_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(provider=models.F("importer")), name="relationship_not_with_itself"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.provider.legal_name} → {self.importer.legal_name} ({self.get_kind_display()})"
        )

    def in_force_on(self, today: datetime.date) -> bool:
        return self.status == self.Status.ACTIVE and (self.ends_on is None or self.ends_on >= today)


@pghistory.track(pghistory.InsertEvent(), pghistory.DeleteEvent())
class RelationshipAccount(models.Model):
    """A program account covered by a Program Management relationship."""

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE)
    program_account = models.ForeignKey(ProgramAccount, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "program_account"], name="relationship_account_once"
            ),
        ]

    def __str__(self) -> str:
        return self.program_account.bn15


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class ClientGroup(models.Model):
    """A provider's team for some of its clients. A deleted group keeps its name forever."""

    provider = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="client_groups", verbose_name=_("provider")
    )
    name = models.CharField(_("name"), max_length=100)
    clients = models.ManyToManyField(
        Business, blank=True, related_name="+", verbose_name=_("clients")
    )
    employees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="client_groups",
        verbose_name=_("employees"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("client group")
        verbose_name_plural = _("client groups")
        ordering = ["name"]
        constraints = [
            # Deleted groups stay as rows, so a name is never used twice.
            models.UniqueConstraint("provider", Lower("name"), name="client_group_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


@pgtrigger.register(
    pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class AccessLogEntry(models.Model):
    """A provider employee looked at or changed something of an importer's. Never edited."""

    class Action(models.TextChoices):
        VIEWED = "viewed", _("Viewed")
        CHANGED = "changed", _("Changed")

    importer = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="access_log")
    provider = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    program_account = models.ForeignKey(
        ProgramAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{moment(self.at)} {self.user} {self.action} {self.what}"


class SuretyInvitationQuerySet(models.QuerySet):
    def standing(self) -> "SuretyInvitationQuerySet":
        """Not withdrawn: the surety may post bonds for the account (docs/rules.md §7)."""
        return self.filter(withdrawn_at__isnull=True)

    def pending(self) -> "SuretyInvitationQuerySet":
        """Standing, and no bond posted under it yet."""
        return self.standing().filter(used_at__isnull=True)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent())
class SuretyInvitation(models.Model):
    """An importer's BAM asks a surety company to post financial security for one of its
    program accounts. A surety posts bonds only for accounts whose invitation stands; the
    importer withdraws it to stop new bonds (those already posted stay until cancelled)."""

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="surety_invitations",
        verbose_name=_("program account"),
    )
    surety = models.ForeignKey(
        Business,
        on_delete=models.PROTECT,
        related_name="surety_invitations",
        verbose_name=_("surety"),
    )
    # Blank only for the invitations recorded for bonds posted before invitations existed.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    used_at = models.DateTimeField(_("first bond posted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    objects = SuretyInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("surety invitation")
        verbose_name_plural = _("surety invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program_account", "surety"],
                condition=Q(withdrawn_at__isnull=True),
                name="surety_invitation_one_standing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.surety.legal_name} → {self.program_account.bn15}"
