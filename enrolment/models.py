"""Applications to CBSA through the portal: a business number, an import/export (RM)
program account, and enrolling in (or leaving) Release Prior to Payment. Each goes
Submitted → Approved or Refused (with the reason); officers decide in the admin.
docs/rules.md §9."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, ProgramAccount
from carm.models import MONEY


class Application(models.Model):
    """What every application shares: who applied, when, and the officer's decision."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("applicant"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    reason = models.TextField(_("reason for the refusal"), max_length=1000, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-submitted_at", "-id"]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @staticmethod
    def decision_constraints(prefix: str) -> list[models.BaseConstraint]:
        """A refusal says why and who refused; a decision says when (an application the
        portal's own rule approves has no officer)."""
        return [
            models.CheckConstraint(
                condition=~Q(status="refused") | (~Q(reason="") & Q(decided_by__isnull=False)),
                name=f"{prefix}_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(decided_at__isnull=False),
                name=f"{prefix}_decision_recorded",
            ),
        ]


class BusinessNumberApplication(Application):
    """A business without a business number asks for one; approval gives it a BN9 from
    the portal's range and makes the applicant its Business Account Manager."""

    class OrganizationType(models.TextChoices):
        CORPORATION = "corporation", _("Corporation")
        SOLE_PROPRIETORSHIP = "sole_proprietorship", _("Sole proprietorship")
        PARTNERSHIP = "partnership", _("Partnership")
        TRUST = "trust", _("Trust")
        NON_PROFIT = "non_profit", _("Non-profit organization")

    class ApplicantRole(models.TextChoices):
        OWNER = "owner", _("Owner")
        DIRECTOR = "director", _("Director or officer")
        PARTNER = "partner", _("Partner")
        EMPLOYEE = "employee", _("Employee authorized by the business")

    legal_name = models.CharField(_("legal name"), max_length=200)
    operating_name = models.CharField(_("operating name"), max_length=200, blank=True)
    street = models.CharField(_("street address"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    province = models.CharField(_("province or territory"), max_length=2)
    postal_code = models.CharField(_("postal code"), max_length=7)
    organization_type = models.CharField(
        _("type of organization"), max_length=20, choices=OrganizationType.choices
    )
    applicant_role = models.CharField(
        _("your role in the business"), max_length=10, choices=ApplicantRole.choices
    )
    business = models.OneToOneField(
        Business,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="number_application",
        verbose_name=_("business"),
    )

    class Meta(Application.Meta):
        verbose_name = _("business number application")
        verbose_name_plural = _("business number applications")
        permissions = [("decide_businessnumberapplication", _("Can decide a BN application"))]
        constraints = [
            *Application.decision_constraints("bn_application"),
            models.UniqueConstraint(
                fields=["applicant"],
                condition=Q(status="submitted"),
                name="bn_application_one_open_per_applicant",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(business__isnull=False),
                name="bn_application_approved_has_business",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.get_status_display()})"


class ProgramAccountApplication(Application):
    """A business asks for an import/export (RM) program account."""

    class Activity(models.TextChoices):
        IMPORT = "import", _("Importing")
        EXPORT = "export", _("Exporting")
        BOTH = "both", _("Importing and exporting")

    business = models.ForeignKey(
        Business,
        on_delete=models.PROTECT,
        related_name="account_applications",
        verbose_name=_("business"),
    )
    operating_name = models.CharField(_("operating name"), max_length=200, blank=True)
    start_date = models.DateField(_("start of commercial activity"))
    activity = models.CharField(_("activity"), max_length=10, choices=Activity.choices)
    description = models.TextField(_("business activity"), max_length=1000)
    program_account = models.OneToOneField(
        ProgramAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("program account"),
    )

    class Meta(Application.Meta):
        verbose_name = _("program account application")
        verbose_name_plural = _("program account applications")
        permissions = [
            ("decide_programaccountapplication", _("Can decide a program account application"))
        ]
        constraints = [
            *Application.decision_constraints("account_application"),
            models.UniqueConstraint(
                fields=["business"],
                condition=Q(status="submitted"),
                name="account_application_one_open_per_business",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(program_account__isnull=False),
                name="account_application_approved_has_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business.legal_name} RM ({self.get_status_display()})"


class RppApplication(Application):
    """A program account asks to enrol in Release Prior to Payment, or to leave it."""

    class Kind(models.TextChoices):
        ENROL = "enrol", _("Enrol in RPP")
        LEAVE = "leave", _("Leave RPP")

    program_account = models.ForeignKey(
        ProgramAccount,
        on_delete=models.PROTECT,
        related_name="rpp_applications",
        verbose_name=_("program account"),
    )
    kind = models.CharField(_("request"), max_length=5, choices=Kind.choices)
    expected_monthly_ar = models.DecimalField(
        _("expected monthly accounts receivable"), null=True, blank=True, **MONEY
    )

    class Meta(Application.Meta):
        verbose_name = _("RPP application")
        verbose_name_plural = _("RPP applications")
        permissions = [("decide_rppapplication", _("Can decide an RPP application"))]
        constraints = [
            *Application.decision_constraints("rpp_application"),
            models.UniqueConstraint(
                fields=["program_account"],
                condition=Q(status="submitted"),
                name="rpp_application_one_open_per_account",
            ),
            models.CheckConstraint(
                condition=Q(kind="leave") | Q(expected_monthly_ar__gt=0),
                name="rpp_application_enrolment_states_receivables",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_account} {self.get_kind_display()} ({self.get_status_display()})"
