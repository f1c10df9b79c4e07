"""gunicorn settings, read by the Procfile's web command.

Environment: PORT (default 8000), WEB_CONCURRENCY (worker processes) and
GUNICORN_THREADS (threads per worker). GUNICORN_CMD_ARGS and command-line options
override anything set here.
"""

import os


def default_workers() -> int:
    # os.cpu_count() reports the host's cores, not a container's share: cap it.
    return min(2 * (os.cpu_count() or 1) + 1, 4)


# Every interface: platforms route traffic to $PORT from outside the container.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())

# Threaded workers: a client that sends its request slowly holds one thread, not a
# whole worker, so a handful of slow or half-open connections cannot stall the site.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)

# Load the app once in the master before forking workers: a configuration error
# (such as a missing SECRET_KEY) then stops gunicorn with one clear line.
preload_app = True

# Stay under the 30 seconds after which most platform routers give up on a request.
timeout = 25
graceful_timeout = 20
keepalive = 5

# Recycle workers now and then so a slow leak never grows large; the jitter keeps
# them from all restarting at the same moment.
max_requests = 1000
max_requests_jitter = 100

# Access and error logs go to stdout/stderr, where platforms collect them.
accesslog = "-"
errorlog = "-"

# gunicorn 25+ opens a control socket in $HOME; nothing here uses it, and $HOME may
# be read-only or shared on a server.
control_socket_disable = True

# forwarded_allow_ips keeps gunicorn's default (127.0.0.1 and ::1): the app itself
# decides whether to trust X-Forwarded-* headers (BEHIND_PROXY, see README.md).
