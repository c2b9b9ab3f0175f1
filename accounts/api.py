from rest_framework import generics

from accounts.serializers import ProgramAccountDetailSerializer, ProgramAccountSerializer
from delegation.permissions import (
    get_program_account_for,
    program_accounts_visible_to,
    third_party_relationships_of,
)
from delegation.services import access_log_viewed


class ProgramAccountListApi(generics.ListAPIView):
    """The program accounts the caller can see, own business or delegated."""

    serializer_class = ProgramAccountSerializer
    ordering = ("bn15",)

    def get_queryset(self):
        return program_accounts_visible_to(self.request.user).select_related("business")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        third_party_relationships_of(self.request.user, page)  # each row's rights at once
        return page


class ProgramAccountDetailApi(generics.RetrieveAPIView):
    """One program account: 404 when the caller may not see it, as when it does not exist."""

    serializer_class = ProgramAccountDetailSerializer

    def get_object(self):
        account = get_program_account_for(self.request.user, self.kwargs["bn15"])
        access_log_viewed(user=self.request.user, program_account=account)
        return account
