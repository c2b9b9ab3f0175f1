from rest_framework import serializers

from accounts.models import ProgramAccount
from delegation.permissions import Action, can, employee_role


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
