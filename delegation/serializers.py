from django.utils import timezone
from rest_framework import serializers

from delegation.models import Relationship


class BusinessRefSerializer(serializers.Serializer):
    bn9 = serializers.CharField()
    legal_name = serializers.CharField()


class RelationshipSerializer(serializers.ModelSerializer):
    provider = BusinessRefSerializer(read_only=True)
    importer = BusinessRefSerializer(read_only=True)
    program_accounts = serializers.SlugRelatedField(slug_field="bn15", many=True, read_only=True)
    visibility = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = Relationship
        fields = [
            "id",
            "provider",
            "importer",
            "kind",
            "status",
            "level",
            "program_accounts",
            "visibility",
            "ends_on",
            "in_force",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_visibility(self, relationship: Relationship) -> dict[str, bool]:
        return {
            "own_transactions": True,
            "others_transactions": relationship.sees_others_transactions,
            "statements": relationship.sees_statements,
            "financial_security": relationship.sees_security,
            "cases": relationship.sees_cases,
        }

    def get_in_force(self, relationship: Relationship) -> bool:
        return relationship.in_force_on(timezone.localdate())
