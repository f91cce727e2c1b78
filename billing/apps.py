from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from billing.quote import cost_preview
        from catalog.pricing import register_pricer

        # The catalogue's price preview is computed the way billing charges.
        register_pricer(cost_preview)
