"""How allauth treats portal users: language follows the person."""

from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Portal:
    """What allauth's emails call "the site": the portal by its name, never the host the
    request came through."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        user.preferred_language = (translation.get_language() or "en")[:2]
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails in the recipient's language (theirs if they have an account,
        else the page's), naming the portal and its address."""
        user = context.get("user")
        language = getattr(user, "preferred_language", None) or translation.get_language()
        with translation.override(language):
            name = str(_("CARM Portal"))
            context = {
                **context,
                "current_site": Portal(name=name, domain=name),
                "portal_url": f"{settings.CARM_BASE_URL}/{language}/",
            }
            return super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject) -> str:
        """The program's acronym in the email's language: CARM, GCRA in French."""
        return f"[{_('CARM')}] {subject}"

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
