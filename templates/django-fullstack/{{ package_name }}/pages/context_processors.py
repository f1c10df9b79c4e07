from django.conf import settings


def site(request):
    """Make the site's name and description available to every template."""
    return {
        "site_title": settings.SITE_NAME,
        "site_description": settings.SITE_DESCRIPTION,
    }
