"""Which client a failed sign-in counts against (used by django-axes)."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """Return the address of the client that sent this request.

    Behind a proxy (BEHIND_PROXY=1) every request comes from the proxy, which appends
    the real client's address to X-Forwarded-For: the right-most entry is the one the
    proxy wrote; anything to its left was sent by the client and cannot be trusted.
    The header is read only on a connection from TRUSTED_PROXIES: anyone else could
    have written it.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY and from_a_proxy(remote):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        address = forwarded.rsplit(",", 1)[-1].strip()
        if address:
            return address
    return remote


def from_a_proxy(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)
