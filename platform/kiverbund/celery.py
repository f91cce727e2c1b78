import os

from celery import bootsteps
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiverbund.settings")

app = CeleryApp("kiverbund")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class Heartbeat(bootsteps.StartStopStep):
    """Touches ``HEARTBEAT_FILE`` from the consumer's timer (core.heartbeat; the chart's liveness probe).

    A consumer step, not a worker step: while the consumer is stuck (e.g. reconnecting to a broker that
    does not come back) the file ages and Kubernetes restarts the worker.
    """

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.entry = None

    def start(self, parent):
        from core import heartbeat

        if heartbeat.heartbeat_file() is None:
            return
        heartbeat.beat()
        self.entry = parent.timer.call_repeatedly(heartbeat.interval(), heartbeat.beat)

    def stop(self, parent):
        if self.entry is not None:
            self.entry.cancel()
            self.entry = None

    shutdown = stop


app.steps["consumer"].add(Heartbeat)
