"""Cases in the API: list and file, one case (and withdraw it), its messages and
documents. A case the caller may not see is 404; on an account the caller sees without
the right to its cases, 403."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.documents import document_response
from cases.serializers import (
    CaseChangeSerializer,
    CaseDetailSerializer,
    CaseInSerializer,
    CaseSerializer,
    DocumentInSerializer,
    DocumentSerializer,
    MessageInSerializer,
    MessageSerializer,
)
from delegation.permissions import Action, get_program_account_for
from delegation.services import access_log_viewed


class CaseListApi(generics.ListCreateAPIView):
    """The caller's visible cases, newest first; POST files one (a draft with "draft": true)."""

    serializer_class = CaseSerializer
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        return selectors.cases_visible_to(self.request.user)

    @extend_schema(request=CaseInSerializer, responses={201: CaseSerializer})
    def post(self, request: Request) -> Response:
        incoming = CaseInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        account = get_program_account_for(
            request.user, data.pop("program_account"), Action.FILE_CASE
        )
        case = services.case_file(actor=request.user, program_account=account, **data)
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for(request.user, pk)
        access_log_viewed(
            user=request.user,
            program_account=case.program_account,
            action=Action.VIEW_CASES,
            what=case.number,
        )
        return Response(CaseDetailSerializer(case).data)

    @extend_schema(request=CaseChangeSerializer, responses=CaseSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        """Send a draft ({"status": "submitted"}) or withdraw ({"status": "withdrawn"})."""
        case = selectors.get_case_for(request.user, pk, Action.FILE_CASE)
        incoming = CaseChangeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        change = (
            services.case_submit
            if incoming.validated_data["status"] == "submitted"
            else services.case_withdraw
        )
        return Response(CaseSerializer(change(actor=request.user, case=case)).data)


class CaseMessagesApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=MessageSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for(request.user, pk)
        conversation = selectors.case_page(case)["conversation"]
        return Response(MessageSerializer(conversation, many=True).data)

    @extend_schema(request=MessageInSerializer, responses={201: MessageSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for(request.user, pk, Action.FILE_CASE)
        incoming = MessageInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        message = services.case_message_post(
            actor=request.user,
            case=case,
            body=incoming.validated_data["body"],
            uploads=request.FILES.getlist("files"),
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class CaseDocumentsApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for(request.user, pk)
        return Response(DocumentSerializer(selectors.case_page(case)["documents"], many=True).data)

    @extend_schema(
        request={"multipart/form-data": DocumentInSerializer},
        responses={201: DocumentSerializer(many=True)},
    )
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for(request.user, pk, Action.FILE_CASE)
        incoming = DocumentInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        documents = services.case_documents_add(
            actor=request.user, case=case, uploads=request.FILES.getlist("file")
        )
        return Response(
            DocumentSerializer(documents, many=True).data, status=status.HTTP_201_CREATED
        )


class CaseDocumentApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int, document_pk: int):
        """The document itself, as it was uploaded."""
        case = selectors.get_case_for(request.user, pk)
        found = case.documents.filter(pk=document_pk).first()
        if found is None:
            raise Http404
        return document_response(found)
