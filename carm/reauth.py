"""Asking for the password once more before a sensitive change: a delegation, a
pre-authorized debit agreement."""

from urllib.parse import urlencode

from allauth.account.internal.flows.reauthentication import is_reauthentication_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


def password_again(request: HttpRequest, then: str) -> HttpResponse | None:
    """The redirect to allauth's re-authentication page, which comes back to `then`,
    unless the password was typed in the last 5 minutes
    (ACCOUNT_REAUTHENTICATION_TIMEOUT); None when it is not needed. Ask it after the
    permission checks, so those who may not make the change still get 403 or 404."""
    if not is_reauthentication_required(request, app=""):
        return None
    return redirect(f"{reverse('account_reauthenticate')}?{urlencode({'next': then})}")
