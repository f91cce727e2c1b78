import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from billing.metering import UsageError, record_usage, usage_totals
from billing.models import UsageEvent

NOW = timezone.now().replace(microsecond=0)


def test_usage_is_recorded_once_per_key(town_a):
    first = record_usage(town_a, "chatbot", "answered_question", 1, "conv-1/msg-1", NOW)
    again = record_usage(town_a, "chatbot", "answered_question", 1, "conv-1/msg-1", NOW)
    assert first.created and not again.created and again.event.pk == first.event.pk
    assert UsageEvent.objects.count() == 1


def test_same_key_with_other_figures_is_refused(town_a):
    record_usage(town_a, "chatbot", "answered_question", 1, "k", NOW)
    with pytest.raises(UsageError, match="already used"):
        record_usage(town_a, "chatbot", "answered_question", 2, "k", NOW)


def test_keys_are_per_town_and_service(town_a, town_b):
    record_usage(town_a, "chatbot", "answered_question", 1, "k", NOW)
    assert record_usage(town_b, "chatbot", "answered_question", 1, "k", NOW).created
    assert record_usage(town_a, "roads", "image", 1, "k", NOW).created


@pytest.mark.parametrize("kwargs, message", [
    ({"quantity": 0}, "greater than zero"),
    ({"quantity": "-1"}, "greater than zero"),
    ({"quantity": "zwei"}, "number"),
    ({"quantity": "0.0001"}, "three decimal"),
    ({"service": "Chat Bot"}, "service key"),
    ({"unit": ""}, "unit key"),
    ({"idempotency_key": ""}, "idempotency key"),
    ({"occurred_at": dt.datetime(2026, 1, 1)}, "time zone"),
    ({"occurred_at": NOW + dt.timedelta(days=1)}, "future"),
])
def test_bad_reports_are_refused_and_nothing_is_written(town_a, kwargs, message):
    args = {"service": "chatbot", "unit": "answered_question", "quantity": 1, "idempotency_key": "k",
            "occurred_at": NOW} | kwargs
    with pytest.raises(UsageError, match=message):
        record_usage(town_a, **args)
    assert not UsageEvent.objects.exists()


def test_usage_events_cannot_be_changed_or_deleted(town_a):
    event = record_usage(town_a, "chatbot", "answered_question", 1, "k", NOW).event
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        UsageEvent.objects.filter(pk=event.pk).update(quantity=Decimal(5))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        UsageEvent.objects.filter(pk=event.pk).delete()


def test_totals_per_town_service_unit_and_period(town_a, town_b):
    for i in range(3):
        record_usage(town_a, "chatbot", "answered_question", 1, f"a{i}", NOW - dt.timedelta(days=i))
    record_usage(town_a, "chatbot", "answered_question", 5, "old", NOW - dt.timedelta(days=40))
    record_usage(town_b, "chatbot", "answered_question", "2.5", "b", NOW)
    totals = usage_totals(NOW - dt.timedelta(days=30), NOW + dt.timedelta(seconds=1))
    assert totals == {(town_a.pk, "chatbot", "answered_question"): Decimal(3),
                      (town_b.pk, "chatbot", "answered_question"): Decimal("2.5")}


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_with_one_key_record_once(committed_town):
    town = committed_town("Parallelstadt", "09999951")
    results, errors = [], []

    def report():
        try:
            results.append(record_usage(town, "chatbot", "answered_question", 1, "same-key", NOW).created)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == [False] * 7 + [True]
    assert UsageEvent.objects.filter(town=town).count() == 1
