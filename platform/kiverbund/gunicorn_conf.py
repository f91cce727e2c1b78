"""The web server's settings: ``gunicorn -c python:kiverbund.gunicorn_conf kiverbund.wsgi``.

One place for them, used by ``make demo``, the load benchmark (bench/load.py) and
production (docs/operators.md). Each value can be overridden from the environment
(``WEB_*``) or on gunicorn's command line.
"""

from __future__ import annotations

import os

# Threads share one interpreter (and its GIL) per process; processes use the cores. Two of each per core
# measured best for the town API on 2 cores (bench/README.md, "load.py").
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
# API clients and the chatbot widget keep their connection open between requests.
keepalive = int(os.environ.get("WEB_KEEPALIVE_SECONDS", "5"))
# A request that takes longer has hung (an unreachable server without a timeout); the worker is replaced.
timeout = int(os.environ.get("WEB_TIMEOUT_SECONDS", "60"))
graceful_timeout = 20
# No preloading: the embedding engine's OpenMP threads and open connections must not cross a fork.
preload_app = False
# Recycling workers now and then bounds the memory a long-lived process can gather.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
errorlog = "-"
# A read-only root file system (the chart's containers): the workers' heartbeat files go to memory.
worker_tmp_dir = os.environ.get("WEB_WORKER_TMP_DIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)


def child_exit(server, worker):
    # Prometheus' multi-process mode: forget a dead worker's live gauges.
    from kiverbund.observability import gunicorn_child_exit

    gunicorn_child_exit(server, worker)
