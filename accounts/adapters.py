"""How allauth treats portal users: language follows the person."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        user.preferred_language = (translation.get_language() or "en")[:2]
        return super().save_user(request, user, form, commit=commit)

    def add_message(self, request: HttpRequest, *args, **kwargs) -> None:
        """allauth's messages (signed in, email confirmed, …) in the language of the page
        they are shown on: the signed-in person's, which the sign-in redirects to."""
        language = getattr(getattr(request, "user", None), "preferred_language", None)
        if not language:
            return super().add_message(request, *args, **kwargs)
        with translation.override(language):
            return super().add_message(request, *args, **kwargs)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """After sign-in, continue in the language the user chose on their profile."""
        language = getattr(request.user, "preferred_language", None) or "en"
        with translation.override(language):
            return resolve_url(settings.LOGIN_REDIRECT_URL)
