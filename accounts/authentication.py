"""Personal API keys for the HTTP API: `Authorization: Bearer carm_<prefix>_<secret>`."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.errors import AccountsError
from accounts.services.keys import api_key_authenticate


class ApiKeyAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise AuthenticationFailed(
                _("Send the key as: Authorization: Bearer <key>."), code="invalid_header"
            )
        try:
            key = api_key_authenticate(header[1].decode("latin-1"))
        except AccountsError as error:
            raise AuthenticationFailed(error.message, code=error.code) from None
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="CARM Portal API"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API key from the profile page: carm_<prefix>_<secret>.",
        }
