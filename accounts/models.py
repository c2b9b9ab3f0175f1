"""People, the businesses CBSA records, and who may act for which business."""

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import (
    IdentifierError,
    format_program_account,
    is_valid_bn9,
    normalize_program_account,
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if not (extra["is_staff"] and extra["is_superuser"]):
            raise ValueError("A superuser must be staff and superuser.")
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """One person, one login: the email address is the username."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        FRENCH = "fr", _("French")

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = models.CharField(_("telephone"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    email_notifications = models.BooleanField(
        _("send me an email for each new notification"), default=True
    )
    is_staff = models.BooleanField(
        _("CBSA officer"),
        default=False,
        help_text=_("Officers sign in to the administration site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # "Sign out everywhere": every session started before this moment is over
    # (accounts/middleware.py, SessionLimitsMiddleware).
    sessions_ended_at = models.DateTimeField(_("signed out everywhere at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(preferred_language__in=["en", "fr"]),
                name="user_preferred_language_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


def validate_bn9(value: str) -> None:
    if not is_valid_bn9(value):
        raise ValidationError(
            _("This business number is not valid: check its last digit."), code="bn9"
        )


class Business(models.Model):
    """A business as CBSA records it. Officers keep these; the portal never invents one."""

    bn9 = models.CharField(
        _("business number"), max_length=9, unique=True, validators=[validate_bn9]
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    operating_name = models.CharField(_("operating name"), max_length=200, blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province or territory"), max_length=2, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=7, blank=True)
    is_importer = models.BooleanField(_("importer"), default=False)
    is_service_provider = models.BooleanField(_("third-party service provider"), default=False)
    is_surety = models.BooleanField(_("surety"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        ordering = ["legal_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bn9__regex=r"^[0-9]{9}$"), name="business_bn9_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.bn9})"


class ProgramAccount(models.Model):
    """An import/export (RM) program account of a business: BN9 + RM + 4 digits."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        CLOSED = "closed", _("Closed")

    class RppStatus(models.TextChoices):
        NOT_ENROLLED = "not_enrolled", _("Not enrolled")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    class PaymentsApplied(models.TextChoices):
        """How the account's payments are applied to its debts (docs/rules.md §12)."""

        OLDEST_FIRST = "oldest_first", _("To the oldest debt first")
        CHOSEN = "chosen", _("To the declarations I choose when paying, then the oldest debt")

    business = models.ForeignKey(
        Business,
        on_delete=models.PROTECT,
        related_name="program_accounts",
        verbose_name=_("business"),
    )
    bn15 = models.CharField(_("program account number"), max_length=15, unique=True)
    name = models.CharField(_("operating name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    rpp_status = models.CharField(
        _("RPP status"), max_length=12, choices=RppStatus.choices, default=RppStatus.NOT_ENROLLED
    )
    payments_applied = models.CharField(
        _("payments applied"),
        max_length=12,
        choices=PaymentsApplied.choices,
        default=PaymentsApplied.OLDEST_FIRST,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("program account")
        verbose_name_plural = _("program accounts")
        ordering = ["bn15"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bn15__regex=r"^[0-9]{9}RM[0-9]{4}$"),
                name="program_account_bn15_format",
            ),
        ]

    def __str__(self) -> str:
        return format_program_account(self.bn15)

    @property
    def reference(self) -> str:
        return self.bn15[9:]

    @property
    def display_number(self) -> str:
        return format_program_account(self.bn15)

    def clean(self) -> None:
        super().clean()
        try:
            self.bn15 = normalize_program_account(self.bn15)
        except IdentifierError as error:
            raise ValidationError({"bn15": error.args[0]}) from None
        if self.business_id and not self.bn15.startswith(self.business.bn9):
            raise ValidationError(
                {"bn15": _("The program account must start with the business number.")}
            )
        if self.bn15[9:11] != "RM":
            raise ValidationError(
                {"bn15": _("Only import/export (RM) program accounts are kept here.")}
            )


class Role(models.TextChoices):
    """Employee roles, strongest first."""

    BAM = "bam", _("Business Account Manager")
    PAM = "pam", _("Program Account Manager")
    EDITOR = "editor", _("Editor")
    READER = "reader", _("Reader")


ROLE_RANK = {Role.BAM: 4, Role.PAM: 3, Role.EDITOR: 2, Role.READER: 1}


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Membership(models.Model):
    """A person's role in a business; below BAM it covers only the accounts in scope."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("business")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    program_accounts = models.ManyToManyField(
        ProgramAccount, blank=True, related_name="memberships", verbose_name=_("program accounts")
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("employee access")
        verbose_name_plural = _("employee access")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "business"], name="membership_one_per_user_business"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.business.bn9}"


class AccessRequest(models.Model):
    """A person asks a business's managers for access."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_requests",
        verbose_name=_("requester"),
    )
    business = models.ForeignKey(
        Business,
        on_delete=models.CASCADE,
        related_name="access_requests",
        verbose_name=_("business"),
    )
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "business"],
                condition=models.Q(status="pending"),
                name="access_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.business.bn9} ({self.status})"


@pgtrigger.register(
    pgtrigger.Protect(
        name="access_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
    )
)
class AccessEvent(models.Model):
    """Who changed whose access to a business, when, from what to what. Never edited."""

    class Action(models.TextChoices):
        REGISTERED = "registered", _("Registered the business")
        GRANTED = "granted", _("Granted access")
        CHANGED = "changed", _("Changed access")
        REMOVED = "removed", _("Removed access")
        REJECTED = "rejected", _("Rejected a request")

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="access_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("access change")
        verbose_name_plural = _("access changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.subject} ({self.business.bn9})"


class ApiKey(models.Model):
    """A personal API key: shown once, kept as a prefix and a SHA-256 of the secret."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    hashed_secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )
