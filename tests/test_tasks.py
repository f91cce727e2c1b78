import sysconfig
from pathlib import Path

import pytest

from kiverbund.celery import app
from tenants.actions import suspend_town
from tenants.models import Town

pytestmark = pytest.mark.worker


def test_worker_imports_the_standard_platform_module(transactional_db, celery_worker):
    info = app.send_task("core.tasks.worker_info").get(timeout=30)
    assert Path(info["platform_module"]).parent == Path(sysconfig.get_paths()["stdlib"])
    assert info["schema"] == "public"


def test_beat_dispatcher_fans_out_over_active_towns(committed_town, celery_worker):
    active = [committed_town("Aktivdorf", "09999711"), committed_town("Rührigstadt", "09999712")]
    waiting = committed_town("Wartedorf", "09999713", activate=False)
    suspended = committed_town("Ruhestadt", "09999714")
    suspend_town(suspended, actor="pytest")
    sent = app.send_task("tenants.dispatch_to_active_towns", args=["tenants.collect_town_stats"])
    assert sent.get(timeout=30) == 2
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(Town.objects.get(pk=t.pk).stats_updated_at for t in active):
            break
        time.sleep(0.1)
    assert all(Town.objects.get(pk=t.pk).stats_updated_at for t in active)
    assert Town.objects.get(pk=waiting.pk).stats_updated_at is None
    assert Town.objects.get(pk=suspended.pk).stats_updated_at is None


def test_service_dispatcher_reaches_subscribed_towns_only(committed_town, celery_worker):
    """A service's periodic task (catalog.schedule) runs in active towns subscribed to the service."""
    from .test_service_contract import subscribe

    subscribed = committed_town("Abodorf", "09999721")
    committed_town("Ohnedorf", "09999722")
    lapsed = committed_town("Ruhedorf", "09999723")
    subscribe(subscribed, "echo")
    subscribe(lapsed, "echo")
    suspend_town(lapsed, actor="pytest")
    sent = app.send_task("catalog.dispatch_to_subscribed_towns", args=["echo.echo", "echo"])
    assert sent.get(timeout=30) == 1
