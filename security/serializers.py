import datetime

from rest_framework import serializers

from carm.api import DateField, ExactDecimalField
from financial.calculation import MAX_AMOUNT
from security.models import CashDeposit, RppReview, SuretyBond

MONEY = {"max_digits": 14, "decimal_places": 2, "read_only": True}


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = RppReview
        fields = [
            "year",
            "highest_month",
            "highest_amount",
            "required_bond",
            "required_cash",
            "previous_bond",
            "previous_cash",
            "increased",
            "effective_date",
        ]
        read_only_fields = fields


class BondSerializer(serializers.ModelSerializer):
    bn15 = serializers.CharField(source="program_account.bn15", read_only=True)
    surety = serializers.CharField(source="surety.legal_name", read_only=True)
    surety_bn9 = serializers.CharField(source="surety.bn9", read_only=True)

    class Meta:
        model = SuretyBond
        fields = [
            "bond_number",
            "bn15",
            "surety",
            "surety_bn9",
            "amount",
            "effective_date",
            "cancelled_from",
            "created_at",
        ]
        read_only_fields = fields


class CashDepositSerializer(serializers.ModelSerializer):
    class Meta:
        model = CashDeposit
        fields = ["amount", "received_on", "reference"]
        read_only_fields = fields


class ForecastSerializer(serializers.Serializer):
    """The next review's requirement from the months of its window seen so far."""

    year = serializers.IntegerField(read_only=True)
    window_start = serializers.SerializerMethodField()
    window_end = serializers.SerializerMethodField()
    highest_month = serializers.DateField(read_only=True, allow_null=True)
    highest_amount = serializers.DecimalField(**MONEY)
    bond = serializers.DecimalField(**MONEY)
    cash = serializers.DecimalField(**MONEY)

    def get_window_start(self, forecast) -> datetime.date:
        return forecast.window[0]

    def get_window_end(self, forecast) -> datetime.date:
        return forecast.window[1]


class ReductionSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    status = serializers.CharField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True)


class FinancialSecuritySerializer(serializers.Serializer):
    """One account's financial security today (a `security.overview.Overview`)."""

    bn15 = serializers.CharField(source="account.bn15", read_only=True)
    rpp_status = serializers.CharField(source="account.rpp_status", read_only=True)
    required_bond = serializers.DecimalField(source="required.bond", **MONEY)
    required_cash = serializers.DecimalField(source="required.cash", **MONEY)
    posted = serializers.DecimalField(source="position.posted", **MONEY)
    posted_bonds = serializers.DecimalField(source="position.posted_bonds", **MONEY)
    posted_cash = serializers.DecimalField(source="position.posted_cash", **MONEY)
    shortfall = serializers.DecimalField(**MONEY)
    upcoming_required_bond = serializers.SerializerMethodField()
    upcoming_effective_date = serializers.DateField(
        source="upcoming.effective_date", read_only=True, default=None, allow_null=True
    )
    pending_reduction = ReductionSerializer(source="pending", read_only=True, allow_null=True)
    reviews = ReviewSerializer(many=True, read_only=True)
    bonds = BondSerializer(many=True, read_only=True)
    cash_deposits = CashDepositSerializer(source="position.deposits", many=True, read_only=True)
    forecast = ForecastSerializer(read_only=True, allow_null=True)

    def get_upcoming_required_bond(self, overview) -> str | None:
        """The bond the latest review requires from its January 15, while that is ahead."""
        required = overview.upcoming_required
        return f"{required.bond:.2f}" if required else None


class BondInSerializer(serializers.Serializer):
    bond_number = serializers.CharField(max_length=40)
    amount = ExactDecimalField(max_digits=14, decimal_places=2, max_value=MAX_AMOUNT)
    effective_date = DateField()
