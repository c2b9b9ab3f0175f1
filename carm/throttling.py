"""API throttling. Kept apart from carm/api.py: DRF loads throttles while it defines its
views, so this module must not import them."""

from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per minute for each API key (each signed-in person, each address otherwise)."""

    scope = "api"

    def get_cache_key(self, request, view):
        from accounts.models import ApiKey

        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
