from rest_framework import serializers

from cases.models import Case, CaseDeclaration, CaseDocument, CaseEvent, CaseMessage, Ruling


class CaseDeclarationSerializer(serializers.ModelSerializer):
    transaction_number = serializers.CharField(source="declaration.transaction_number")

    class Meta:
        model = CaseDeclaration
        fields = ["transaction_number", "decision_date", "disputed", "credit"]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer):
    # The first event has no status before it: "" is one of its values (the schema's BlankEnum).
    from_status = serializers.ChoiceField(
        choices=CaseEvent._meta.get_field("from_status").choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = CaseEvent
        fields = ["at", "from_status", "to_status"]
        read_only_fields = fields


class RulingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ruling
        fields = ["number", "classification", "effective_date", "text"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    program_account = serializers.CharField(source="program_account.bn15", read_only=True)
    filed_by = serializers.CharField(source="filed_by.bn9", read_only=True)
    # An appeal asks no ruling and an open case has no outcome: "" is one of their values.
    ruling_type = serializers.ChoiceField(
        choices=Case.RulingType.choices, allow_blank=True, read_only=True
    )
    outcome = serializers.ChoiceField(
        choices=Case.Outcome.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "program_account",
            "kind",
            "status",
            "reason",
            "ruling_type",
            "goods_description",
            "proposed_classification",
            "filed_by",
            "information_due",
            "outcome",
            "decision_text",
            "created_at",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    declarations = CaseDeclarationSerializer(many=True, read_only=True)
    events = CaseEventSerializer(many=True, read_only=True)
    ruling = RulingSerializer(read_only=True, allow_null=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "declarations", "events", "ruling"]
        read_only_fields = fields


class CaseInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Case.Kind.choices)
    program_account = serializers.CharField(max_length=30)
    reason = serializers.CharField(max_length=5000)
    transaction_numbers = serializers.ListField(
        child=serializers.RegexField(r"^[0-9]{14}$"), required=False, default=list, max_length=200
    )
    ruling_type = serializers.ChoiceField(
        choices=Case.RulingType.choices, required=False, allow_blank=True, default=""
    )
    goods_description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    proposed_classification = serializers.CharField(
        max_length=13, required=False, allow_blank=True, default=""
    )
    draft = serializers.BooleanField(required=False, default=False)


class CaseChangeSerializer(serializers.Serializer):
    """A requester's change of status: send a draft, or withdraw."""

    status = serializers.ChoiceField(
        choices=[(Case.Status.SUBMITTED, "submitted"), (Case.Status.WITHDRAWN, "withdrawn")]
    )


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseDocument
        fields = ["id", "name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    from_officer = serializers.BooleanField(read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta:
        model = CaseMessage
        fields = ["id", "from_officer", "body", "information_due", "created_at", "documents"]
        read_only_fields = ["id", "from_officer", "information_due", "created_at", "documents"]


class MessageInSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class DocumentInSerializer(serializers.Serializer):
    file = serializers.FileField()
