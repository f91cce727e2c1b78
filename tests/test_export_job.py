"""The console's export runs in the Celery worker (tests/worker.py): large towns take longer than a request."""

import time

import pytest

from tenants.actions.export import verify_export
from tenants.models import TownExport

from .conftest import host_client

pytestmark = pytest.mark.worker


def test_the_console_queues_an_export_that_the_worker_writes_once(committed_town, operator, console_host,
                                                                  celery_worker, settings):
    town = committed_town("Exportweiler", "09999731")
    console = host_client(console_host, operator)
    response = console.post(f"/towns/{town.ags}/export/", follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    deadline = time.monotonic() + 90
    while not TownExport.objects.filter(town=town).exists() and time.monotonic() < deadline:
        time.sleep(0.3)
    export = TownExport.objects.get(town=town)
    assert verify_export(export.path)["town"]["ags"] == town.ags
    assert console.get(f"/towns/{town.ags}/exports/{export.pk}/").status_code == 200
