"""gunicorn settings, read by the Procfile's web command.

Every value can be overridden per run: GUNICORN_CMD_ARGS="--workers 2" wins over
this file.
"""

import os


def default_workers() -> int:
    # Containers often report the host's cores, so cap the usual 2 x CPU + 1.
    return min(2 * (os.cpu_count() or 1) + 1, 4)


# All interfaces: platforms route traffic to $PORT from outside the container.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())

# Load the app once in the master: a configuration error (such as a missing
# SECRET_KEY) stops the server with one clear line instead of failing workers.
preload_app = True

# Below the 30 s most platform routers allow, so gunicorn answers first.
timeout = 25
graceful_timeout = 20
keepalive = 5

# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100

accesslog = "-"
errorlog = "-"

# gunicorn 25.1+ opens a control socket under $HOME; this app does not use it, and
# $HOME is often read-only on platforms.
control_socket_disable = True
