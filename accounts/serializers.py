from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import ProgramAccount
from delegation.permissions import Action, can, employee_role
from financial.selectors import account_balance


class ProgramAccountSerializer(serializers.ModelSerializer):
    legal_name = serializers.CharField(source="business.legal_name", read_only=True)
    bn9 = serializers.CharField(source="business.bn9", read_only=True)
    rpp_status = serializers.SerializerMethodField(
        help_text="null when the caller may not see the account's financial security."
    )
    access = serializers.SerializerMethodField(
        help_text="How the caller works on this account: bam, pam, editor or reader."
    )

    class Meta:
        model = ProgramAccount
        fields = ["bn15", "bn9", "legal_name", "name", "status", "rpp_status", "access"]
        read_only_fields = fields

    def get_access(self, account: ProgramAccount) -> str | None:
        """The caller's employee role, or "third_party" when acting for a client."""
        role = employee_role(self.context["request"].user, account)
        return role.value if role else "third_party"

    def get_rpp_status(self, account: ProgramAccount) -> str | None:
        if not can(self.context["request"].user, Action.VIEW_SECURITY, account):
            return None
        return account.rpp_status


class ProgramAccountDetailSerializer(ProgramAccountSerializer):
    """One account, with its balance where the caller may see statements, balance and
    payments (docs/rules.md §3); money as a string."""

    balance = serializers.SerializerMethodField(
        help_text="The balance owed (negative: a credit), as a string; null when the caller "
        "may not see statements, balance and payments."
    )

    class Meta(ProgramAccountSerializer.Meta):
        fields = [*ProgramAccountSerializer.Meta.fields, "balance"]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "string",
            "format": "decimal",
            "pattern": r"^-?\d{0,12}(?:\.\d{0,2})?$",
            "nullable": True,
        }
    )
    def get_balance(self, account: ProgramAccount) -> str | None:
        if not can(self.context["request"].user, Action.VIEW_STATEMENTS, account):
            return None
        return f"{account_balance(account):.2f}"
