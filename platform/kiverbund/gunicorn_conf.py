"""Gunicorn settings of the web process, from the environment (``gunicorn -c python:kiverbund.gunicorn_conf``).

The chart and the local scale-out test start the web server with this one file, so
both run the same server settings.
"""

import os

from kiverbund.observability import gunicorn_child_exit

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Longer than the ingress' keep-alive, so the proxy never reuses a connection gunicorn just closed.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
# Request lines are logged by the application (JSON, with request id and town); no access log twice.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# A read-only root file system: heartbeat files go to memory.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)
child_exit = gunicorn_child_exit
