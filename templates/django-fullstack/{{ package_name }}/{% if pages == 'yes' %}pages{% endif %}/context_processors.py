from django.conf import settings
from django.urls import NoReverseMatch, reverse


def _routed(name):
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def site(request):
    """The site's name and description, and which optional parts it has."""
    return {
        "site_title": settings.SITE_NAME,
        "site_description": settings.SITE_DESCRIPTION,
        "has_sign_in": _routed("login"),
        "has_sign_up": _routed("signup"),
        "has_admin": _routed("admin:index"),
    }
