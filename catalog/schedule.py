"""The services' periodic tasks (``ServiceDescriptor.periodic_tasks``) as beat schedule entries.

Each entry runs ``catalog.dispatch_to_subscribed_towns``, which sends the service's town task to
every active town subscribed to the service, in that town's schema. Beat runs with
``ServiceScheduler`` (``CELERY_BEAT_SCHEDULER``), which adds these entries to the project's own
``CELERY_BEAT_SCHEDULE`` when it sets its schedule up.
"""

from __future__ import annotations

from celery.beat import PersistentScheduler
from django.db.models import Q
from django.utils import timezone

from catalog.registry import get_all_services

DISPATCHER = "catalog.dispatch_to_subscribed_towns"


def service_beat_schedule() -> dict[str, dict]:
    return {
        task.name: {"task": DISPATCHER, "schedule": float(task.seconds), "args": (task.task, key)}
        for key, meta in get_all_services().items()
        for task in meta.periodic_tasks
    }


class ServiceScheduler(PersistentScheduler):
    """Celery beat's default scheduler, with every service's periodic tasks.

    Beat creates it after Celery's Django fix-up has set Django up, so the registry can be read.
    """

    def setup_schedule(self):
        self.app.conf.beat_schedule = {**self.app.conf.beat_schedule, **service_beat_schedule()}
        super().setup_schedule()


def subscribed_town_schemas(service_key: str) -> list[str]:
    """Schemas of the active towns with an active subscription to the service today."""
    from catalog.models import Subscription, SubscriptionStatus
    from tenants.models import TownStatus

    today = timezone.localdate()
    return list(
        Subscription.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today), offering__service__key=service_key,
                                    status=SubscriptionStatus.ACTIVE, town__status=TownStatus.ACTIVE)
        .order_by("town__schema_name").values_list("town__schema_name", flat=True).distinct()
    )
