"""gunicorn settings: `gunicorn -c gunicorn.conf.py` (see the Procfile)."""

import multiprocessing
import os

# Listen on every interface so a platform's router (or Docker) can reach the app;
# the port comes from $PORT, as most hosting platforms set it.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Containers often report the host's CPU count, so the automatic default is capped.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 4))

# Load the app once in the master, before forking workers: a configuration error
# (such as a missing SECRET_KEY) then stops the server with one clear line.
preload_app = True

# Finish below the usual 30 s router timeout, so a slow request fails here, visibly.
timeout = 25
graceful_timeout = 20
keepalive = 5

# Recycle workers now and then so a slow memory leak cannot grow forever.
max_requests = 1000
max_requests_jitter = 100

# Logs go to stdout/stderr, where platforms collect them.
accesslog = "-"
errorlog = "-"

# gunicorn >= 25 opens a control socket in $HOME by default; this app does not use
# it, and a read-only or shared home should not stop the server from starting.
control_socket_disable = True

# forwarded_allow_ips keeps gunicorn's default (127.0.0.1 and ::1). Trusting
# X-Forwarded-* from a proxy is done by the app itself: see BEHIND_PROXY in README.md.
