from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadsConfig(AppConfig):
    """Road-condition monitoring: network, captures, damage detections, grades (in each town's schema)."""

    name = "services.roads"
    label = "roads"
    verbose_name = _("Road-condition monitoring")

    @property
    def service(self):
        from services.roads.service import DESCRIPTOR

        return DESCRIPTOR
