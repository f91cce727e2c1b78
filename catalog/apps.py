from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_after_migrate(sender, using="default", **kwargs):
    from django.db import connection
    from django_tenants.utils import get_public_schema_name

    # Town schemas have no catalogue tables; only the public schema's migrate syncs.
    if connection.schema_name != get_public_schema_name():
        return
    from catalog.actions.catalogue import sync_catalogue

    sync_catalogue(actor="migrate", audit=False)


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Service catalogue")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from catalog import checks  # noqa: F401  (registers the service-descriptor check)
        from catalog.entitlement import forget_entitlements
        from catalog.models import Subscription

        post_migrate.connect(_sync_after_migrate, sender=self, dispatch_uid="catalog-sync")
        post_save.connect(forget_entitlements, sender=Subscription, dispatch_uid="entitlements-saved")
        post_delete.connect(forget_entitlements, sender=Subscription, dispatch_uid="entitlements-deleted")
