"""GET /health for platform probes and load balancers.

It runs first in MIDDLEWARE, before anything reads the Host header or redirects to
HTTPS: probes send the instance's own address (Host: 10.0.3.7:8000) over plain HTTP.
It says 200 only when the site can really serve: the database answers within a few
seconds, Redis too when REDIS_URL is set, and in production the collected static files
are there.
"""

import functools
import logging

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.http import http_date

logger = logging.getLogger(__name__)

HEALTH_PATH = "/health"
# What django.utils.cache.add_never_cache_headers writes (with an Expires of now),
# without parsing and rebuilding the header on every probe.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
# Milliseconds a health query may take on PostgreSQL; connecting is bounded by
# DATABASE_CONNECT_TIMEOUT (see config/env.py).
STATEMENT_TIMEOUT_MS = 3000


def database_answers():
    """One round trip to the database, bounded in time."""
    try:
        if connection.vendor == "postgresql":
            # The time limit holds only inside this transaction.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(STATEMENT_TIMEOUT_MS)],
                )
                select_one(cursor)
        else:
            # No time limit to set: no transaction to open and commit either.
            with connection.cursor() as cursor:
                select_one(cursor)
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return False
    return True


def redis_answers():
    """A PING to REDIS_URL's server, bounded in time."""
    from redis import RedisError  # only needed when REDIS_URL is set

    try:
        return bool(redis_client(settings.REDIS_URL).ping())
    except RedisError:
        logger.exception("Health check: Redis did not answer")
        return False


@functools.cache
def redis_client(url):
    """One client per process: its pool keeps the connection from probe to probe.

    A command that times out or fails drops its connection, and the pool checks a
    kept connection before lending it (one the server closed is replaced), so a
    Redis that comes back is seen on the next probe.
    """
    from redis import Redis

    seconds = STATEMENT_TIMEOUT_MS / 1000
    return Redis.from_url(url, socket_timeout=seconds, socket_connect_timeout=seconds)


def select_one(cursor):
    cursor.execute("SELECT 1")
    cursor.fetchone()


def static_files_collected():
    """False when production static files are missing (collectstatic not run)."""
    # In development (DEBUG) runserver serves static files from the apps themselves.
    if settings.DEBUG or not isinstance(staticfiles_storage, ManifestFilesMixin):
        return True
    # The manifest this process serves pages with, read once when the storage was
    # made: empty when collectstatic had not run by then, and pages fail until the
    # process restarts, whatever is on disk now.
    return bool(staticfiles_storage.hashed_files)


def health_report():
    """The status code and body of /health."""
    checks = {
        "database": "ok" if database_answers() else "unavailable",
        "static": "ok" if static_files_collected() else "missing",
    }
    if settings.REDIS_URL:
        checks["redis"] = "ok" if redis_answers() else "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return (200 if healthy else 503), {"status": "ok" if healthy else "error", **checks}


class HealthCheckMiddleware:
    """Answer /health itself; pass every other request on."""

    def __init__(self, get_response):
        self.get_response = get_response
        # /health answers before the rest of MIDDLEWARE runs, so it adds the security
        # headers itself, the way those middlewares add them to every other response.
        self.headers_from = (
            SecurityMiddleware(get_response),
            XFrameOptionsMiddleware(get_response),
        )

    def __call__(self, request):
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            return self.secured(request, HttpResponseNotAllowed(["GET", "HEAD"]))
        status, body = health_report()
        headers = {"Cache-Control": NEVER_CACHE, "Expires": http_date()}
        return self.secured(request, JsonResponse(body, status=status, headers=headers))

    def secured(self, request, response):
        for middleware in self.headers_from:
            response = middleware.process_response(request, response)
        return response
