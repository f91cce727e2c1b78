"""Structured logs and Prometheus metrics.

Every log record carries the request id and the town (schema) it was written for, in web
processes and Celery workers alike; with ``LOG_FORMAT=json`` each record is one JSON object
per line, as log collectors on Kubernetes expect. ``/metrics`` answers Prometheus with request
latency per view and the length of the Celery queues.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import threading
import time
import uuid

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseNotFound

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
REQUEST_ID_HEADER = "X-Request-ID"
# A request id from the ingress is kept when it looks like one; anything else is replaced.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
request_logger = logging.getLogger("kiverbund.request")


def current_town() -> str:
    """The schema the current connection works in, or "" for the public schema."""
    schema = getattr(connection, "schema_name", "") or ""
    return "" if schema == "public" else schema


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``town`` to every record (empty outside a request or a town)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or _celery_task_id()
        if not hasattr(record, "town"):
            try:
                record.town = current_town()
            except Exception:  # before Django is set up, or while the connection is torn down
                record.town = ""
        return True


def _celery_task_id() -> str:
    try:
        from celery import current_task
    except ImportError:
        return ""
    task = current_task
    return getattr(getattr(task, "request", None), "id", None) or "" if task else ""


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, town, and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "town": getattr(record, "town", ""),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)

    converter = time.gmtime


# --- metrics ------------------------------------------------------------------------------------------------------

def _metrics():
    """The request metrics, created on first use (prometheus_client reads its multi-process setting on import).

    Under a lock: the first requests of a threaded web worker arrive together, and registering the
    histogram twice raises (it answered those requests with a 500).
    """
    global _REQUESTS
    if _REQUESTS is not None:
        return _REQUESTS
    with _REQUESTS_LOCK:
        if _REQUESTS is not None:
            return _REQUESTS
        from prometheus_client import Histogram

        _REQUESTS = Histogram(
            "kiverbund_request_duration_seconds", "Time to answer a request, by view and status class.",
            ["method", "view", "status"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
    return _REQUESTS


_REQUESTS = None
_REQUESTS_LOCK = threading.Lock()


class RequestContextMiddleware:
    """Request id (kept from the ingress or made here), a log line per request, latency metrics."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        request.request_id = request_id
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            view = match.view_name if match and match.view_name else "unmatched"
            if request.path not in ("/healthz", "/readyz", "/metrics"):
                _metrics().labels(request.method, view, f"{response.status_code // 100}xx").observe(seconds)
                request_logger.info("%s %s %s", request.method, request.path, response.status_code, extra={
                    "method": request.method, "path": request.path, "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1), "view": view,
                })
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            request_id_var.reset(token)


def metrics_response(request) -> HttpResponse:
    """Prometheus text format; refused when the request came through a proxy (the ingress).

    Prometheus scrapes the pods directly; a request that passed the ingress carries
    X-Forwarded-For and gets a 404, so the public town hosts never show the figures.
    An optional ``METRICS_TOKEN`` is asked as a bearer token as well.
    """
    if request.META.get("HTTP_X_FORWARDED_FOR") or not settings.METRICS_ENABLED:
        return HttpResponseNotFound()
    token = settings.METRICS_TOKEN
    if token and request.headers.get("Authorization", "") != f"Bearer {token}":
        return HttpResponse(status=401)
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client import REGISTRY as DEFAULT_REGISTRY

    _metrics()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in list(DEFAULT_REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(CeleryQueueCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class CeleryQueueCollector:
    """Messages waiting in each Celery queue (the Redis lists the broker keeps), read at scrape time."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        gauge = GaugeMetricFamily("kiverbund_celery_queue_length", "Messages waiting in a Celery queue.",
                                  labels=["queue"])
        try:
            import redis

            client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
            with client:
                for queue in settings.METRICS_CELERY_QUEUES:
                    gauge.add_metric([queue], client.llen(queue))
        except Exception:  # the broker down is what /readyz reports; the scrape still answers
            logging.getLogger(__name__).warning("queue lengths not readable", exc_info=True)
        yield gauge


def gunicorn_child_exit(_server, worker) -> None:
    """Gunicorn hook: forget a dead worker's live gauges in multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
