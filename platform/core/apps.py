from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Installed so Celery's autodiscovery finds ``core.tasks`` (the periodic fan-out)."""

    name = "core"
    verbose_name = _("Core")
