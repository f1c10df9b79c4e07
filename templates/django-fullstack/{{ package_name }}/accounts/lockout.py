"""Which client a failed sign-in counts against (used by django-axes)."""

from django.conf import settings


def client_ip(request):
    """Return the address of the client that sent this request.

    Behind a proxy (BEHIND_PROXY=1) every request comes from the proxy, which appends
    the real client's address to X-Forwarded-For: the right-most entry is the one the
    proxy wrote; anything to its left was sent by the client and cannot be trusted.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        address = forwarded.rsplit(",", 1)[-1].strip()
        if address:
            return address
    return request.META.get("REMOTE_ADDR", "")
