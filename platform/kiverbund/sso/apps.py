from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "kiverbund.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self):
        from kiverbund.sso import schema  # noqa: F401  (registers the OpenAPI extension)
