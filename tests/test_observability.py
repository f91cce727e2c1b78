"""Structured logs (request id, town) and the Prometheus endpoint."""

from __future__ import annotations

import json
import logging

import pytest
import redis
from django.conf import settings

from kiverbund.observability import ContextFilter, JsonFormatter

from .conftest import host_client


@pytest.fixture
def captured(caplog):
    handler = logging.StreamHandler()
    records: list[str] = []
    handler.emit = lambda record: records.append(handler.format(record))  # type: ignore[method-assign]
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("kiverbund.request")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)


def test_each_request_is_logged_as_json_with_request_id_and_town(town_a, captured):
    response = host_client(town_a.host).get("/", HTTP_X_REQUEST_ID="ingress-4711-abcdef")
    assert response.status_code == 200 and response["X-Request-ID"] == "ingress-4711-abcdef"
    (line,) = [json.loads(line) for line in captured if '"path": "/"' in line]
    assert line["request_id"] == "ingress-4711-abcdef" and line["town"] == town_a.schema_name
    assert line["status"] == 200 and line["method"] == "GET" and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "kiverbund.request" and line["time"].endswith("Z")


def test_a_request_id_is_made_when_the_one_given_is_unusable(town_a, captured):
    response = host_client(town_a.host).get("/", HTTP_X_REQUEST_ID="<script>")
    made = response["X-Request-ID"]
    assert made != "<script>" and len(made) == 32
    assert any(json.loads(line)["request_id"] == made for line in captured)


def test_metrics_report_latency_and_queue_lengths(town_a):
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(queue)
    client.rpush(queue, "a", "b", "c")
    try:
        host_client(town_a.host).get("/")
        response = host_client("10.1.2.3").get("/metrics")
    finally:
        client.delete(queue)
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert f'kiverbund_celery_queue_length{{queue="{queue}"}} 3.0' in text
    assert 'kiverbund_request_duration_seconds_count{method="GET",status="2xx",view="town:landing"}' in text


def test_metrics_are_not_served_through_the_ingress(db, settings):
    # The ingress adds X-Forwarded-For; the town hosts never show the figures.
    assert host_client("10.1.2.3").get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    settings.METRICS_TOKEN = "s3cret"
    assert host_client("10.1.2.3").get("/metrics").status_code == 401
    assert host_client("10.1.2.3").get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200
