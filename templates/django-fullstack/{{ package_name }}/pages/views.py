import logging

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..catalog.models import Product

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "pages/home.html")


@login_required
def dashboard(request):
    context = {"product_count": Product.objects.count()}
    return render(request, "pages/dashboard.html", context)


@require_safe
@never_cache
def health(request):
    """Liveness plus one round trip to the database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
