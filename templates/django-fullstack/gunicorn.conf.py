"""gunicorn settings for the Procfile's web process.

Environment: PORT (default 8000) and WEB_CONCURRENCY (worker processes).
GUNICORN_CMD_ARGS and command-line options override anything set here.
"""

import os

# Containers and platforms route traffic to $PORT on every interface.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"  # noqa: S104

# os.cpu_count() reports the host's cores, not the container's share: cap the default.
default_workers = min(2 * (os.cpu_count() or 1) + 1, 4)
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers)

# Load the app once in the master before forking workers: a configuration error
# (such as a missing SECRET_KEY) then stops gunicorn with one clear line.
preload_app = True

# Stay under the 30 seconds after which most platform routers give up on a request.
timeout = 25
graceful_timeout = 20
keepalive = 5

# Recycle workers now and then, so a slow leak never grows large; jitter avoids all
# workers restarting at the same moment.
max_requests = 1000
max_requests_jitter = 100

# Access and error logs go to stdout/stderr for the platform to collect.
accesslog = "-"
errorlog = "-"

# gunicorn 25+ opens a control socket in $HOME; nothing here uses it, and $HOME may be
# read-only or shared on a server.
control_socket_disable = True

# forwarded_allow_ips stays at gunicorn's default: gunicorn itself believes
# X-Forwarded-Proto only from a proxy on this machine (127.0.0.1, ::1). For a platform's
# router elsewhere, Django trusts the header when BEHIND_PROXY=1 (see README).
