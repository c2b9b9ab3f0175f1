"""Cases: requests for re-determination (appeals), applications for an extension of time,
and ruling requests, with their history, conversation and documents. docs/rules.md §11."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Business, ProgramAccount
from carm.formats import day
from financial.models import MONEY, Declaration, Posting, posting_reference


class Case(models.Model):
    class Kind(models.TextChoices):
        APPEAL = "appeal", _("Request for re-determination (appeal)")
        APPEAL_EXTENSION = "appeal_extension", _("Application for an extension of time")
        RULING = "ruling", _("Ruling request")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("case status", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("case status", "Submitted")
        ASSIGNED = "assigned", pgettext_lazy("case status", "Assigned")
        INFORMATION_REQUESTED = "information_requested", _("Information requested")
        DECISION_RENDERED = "decision_rendered", _("Decision rendered")
        WITHDRAWN = "withdrawn", pgettext_lazy("case status", "Withdrawn")

    class RulingType(models.TextChoices):
        CLASSIFICATION = "classification", _("Advance ruling: tariff classification")
        ORIGIN = "origin", _("Advance ruling: origin")
        MARKING = "marking", _("Advance ruling: marking")
        VALUATION = "valuation", _("National customs ruling: valuation")
        OTHER = "other", _("National customs ruling: other")

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        ALLOWED_IN_PART = "allowed_in_part", _("Allowed in part")
        DENIED = "denied", _("Denied")
        RULING = "ruling", _("Ruling rendered")

    OPEN = (Status.SUBMITTED, Status.ASSIGNED, Status.INFORMATION_REQUESTED)
    APPEALS = (Kind.APPEAL, Kind.APPEAL_EXTENSION)

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("program account"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=25, choices=Status.choices)
    reason = models.TextField(_("reason"), max_length=5000)
    ruling_type = models.CharField(
        _("ruling asked for"), max_length=20, choices=RulingType.choices, blank=True
    )
    goods_description = models.TextField(_("goods"), max_length=5000, blank=True)
    proposed_classification = models.CharField(
        _("proposed classification"), max_length=10, blank=True
    )
    filed_by = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    filed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    information_due = models.DateField(_("information due"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    decision_text = models.TextField(_("decision"), max_length=10000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        permissions = [("work_case", _("Can assign, ask for information on and decide a case"))]
        indexes = [models.Index(fields=["program_account", "-created_at"], name="case_account")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="ruling") | (Q(ruling_type="") & Q(goods_description="")),
                name="case_ruling_fields_only_on_rulings",
            ),
            models.CheckConstraint(
                condition=~Q(kind="ruling") | ~Q(ruling_type=""),
                name="case_ruling_has_a_type",
            ),
            models.CheckConstraint(
                condition=Q(proposed_classification="")
                | Q(proposed_classification__regex=r"^[0-9]{10}$"),
                name="case_proposed_classification_10_digits",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="decision_rendered") & ~Q(outcome="") & Q(decided_at__isnull=False)
                )
                | (~Q(status="decision_rendered") & Q(outcome="")),
                name="case_decision_only_when_rendered",
            ),
            models.CheckConstraint(
                condition=~Q(status="information_requested") | Q(information_due__isnull=False),
                name="case_information_request_has_due_date",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"CAS-{self.pk:07d}"

    @property
    def is_appeal(self) -> bool:
        return self.kind in self.APPEALS

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def may_withdraw(self) -> bool:
        return self.status in (self.Status.DRAFT, *self.OPEN)


class CaseDeclaration(models.Model):
    """A declaration an appeal groups: the decision on it, what is disputed, and the
    credit a decision allowed (posted once, linked here)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="declarations")
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="case_links"
    )
    decision_date = models.DateField(_("date of the decision"))
    disputed = models.DecimalField(_("amount in dispute"), **MONEY)
    credit = models.DecimalField(_("credit allowed"), null=True, blank=True, **MONEY)
    posting = models.OneToOneField(
        Posting,
        on_delete=models.PROTECT,
        db_constraint=False,  # kept by posting_reference
        null=True,
        blank=True,
        related_name="case_link",
    )

    class Meta:
        verbose_name = _("declaration appealed")
        verbose_name_plural = _("declarations appealed")
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "declaration"], name="case_declaration_once"),
            models.CheckConstraint(
                condition=Q(credit__isnull=True)
                | Q(credit__gte=0, credit__lte=models.F("disputed")),
                name="case_credit_within_dispute",
            ),
        ]
        triggers = [posting_reference("posting")]

    def __str__(self) -> str:
        return f"{self.case} {self.declaration}"


class CaseEvent(models.Model):
    """One change of a case's status: who, when, from, to."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    from_status = models.CharField(
        _("from"), max_length=25, choices=Case.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=25, choices=Case.Status.choices)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.from_status} → {self.to_status}"


class CaseMessage(models.Model):
    """A message on the case, from the requester's side or from an officer; an officer's
    may ask for information by a date."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_officer = models.BooleanField(_("from CBSA"), default=False)
    body = models.TextField(_("message"), max_length=10000)
    information_due = models.DateField(_("information due"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["case", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {day(self.created_at)}"


def document_key(document: "CaseDocument", filename: str) -> str:
    """Where a document is stored: a random key, never the name the uploader gave."""
    return f"cases/{uuid.uuid4().hex}"


class CaseDocument(models.Model):
    """A file on a case, stored under a random key and served only through the portal."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    message = models.ForeignKey(
        CaseMessage, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    file = models.FileField(upload_to=document_key, max_length=100)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["case", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class Ruling(models.Model):
    """A rendered ruling: its number, the classification decided, from when, and its text."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="ruling")
    number = models.CharField(_("ruling number"), max_length=20, unique=True)
    classification = models.CharField(_("classification decided"), max_length=10, blank=True)
    effective_date = models.DateField(_("effective date"))
    text = models.TextField(_("ruling"), max_length=20000)

    class Meta:
        verbose_name = _("ruling")
        verbose_name_plural = _("rulings")
        ordering = ["-effective_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(classification="") | Q(classification__regex=r"^[0-9]{10}$"),
                name="ruling_classification_10_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.number
