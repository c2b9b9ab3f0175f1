from rest_framework import generics

from delegation.permissions import relationships_visible_to
from delegation.serializers import RelationshipSerializer


class RelationshipListApi(generics.ListAPIView):
    """Business relationships of the businesses the caller manages or acts for (read-only)."""

    serializer_class = RelationshipSerializer
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        return (
            relationships_visible_to(self.request.user)
            .select_related("provider", "importer")
            .prefetch_related("program_accounts")
        )
