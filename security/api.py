from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from delegation.permissions import (
    Action,
    bond_issuer_for,
    get_program_account_for,
    program_account_for_bond,
    surety_of,
)
from delegation.services import access_log_viewed
from security import services
from security.errors import SecurityError
from security.overview import security_overview
from security.serializers import BondInSerializer, BondSerializer, FinancialSecuritySerializer


class FinancialSecurityApi(APIView):
    """What the account must post, what is posted, the shortfall, the reviews and the
    forecast of the next one (financial security visibility needed)."""

    @extend_schema(responses={200: FinancialSecuritySerializer})
    def get(self, request: Request, bn15: str) -> Response:
        account = get_program_account_for(request.user, bn15, Action.VIEW_SECURITY)
        access_log_viewed(user=request.user, program_account=account, action=Action.VIEW_SECURITY)
        return Response(
            FinancialSecuritySerializer(security_overview(account, timezone.localdate())).data
        )


class BondApi(APIView):
    """A surety posts a bond for a program account (surety users only)."""

    @extend_schema(request=BondInSerializer, responses={201: BondSerializer})
    def post(self, request: Request, bn15: str) -> Response:
        if surety_of(request.user) is None:
            raise SecurityError("not_a_surety")
        if bond_issuer_for(request.user) is None:
            raise SecurityError("surety_reader")
        account = program_account_for_bond(request.user, bn15)
        if account is None:  # an unknown (or malformed) number
            raise Http404
        incoming = BondInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        bond = services.bond_post(
            actor=request.user, program_account=account, **incoming.validated_data
        )
        return Response(BondSerializer(bond).data, status=status.HTTP_201_CREATED)
