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


def _end_subscriptions_of_offboarded_town(sender, town, actor=None, **kwargs) -> dict:
    from catalog.actions import close_town_subscriptions

    closed = close_town_subscriptions(town, actor=actor, reason="town_offboarded")
    return {"subscriptions_ended": closed["ended"], "subscriptions_withdrawn": closed["withdrawn"]}


def _start_new_town(sender, town, actor=None, **kwargs):
    """Each service's starting defaults in the new town's schema (``ServiceDescriptor.town_starter``)."""
    from django.utils.module_loading import import_string
    from django_tenants.utils import schema_context

    from catalog.registry import get_all_services

    with schema_context(town.schema_name):
        for descriptor in get_all_services().values():
            if descriptor.town_starter:
                import_string(descriptor.town_starter)(town)


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Service catalogue")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from catalog import checks  # noqa: F401  (registers the service-descriptor check)
        from catalog.entitlement import forget_entitlements
        from catalog.models import Subscription
        from tenants.signals import town_offboarding, town_onboarded

        town_offboarding.connect(_end_subscriptions_of_offboarded_town, dispatch_uid="catalog-town-offboarding")
        town_onboarded.connect(_start_new_town, dispatch_uid="catalog-town-onboarded")
        post_migrate.connect(_sync_after_migrate, sender=self, dispatch_uid="catalog-sync")
        post_save.connect(forget_entitlements, sender=Subscription, dispatch_uid="entitlements-saved")
        post_delete.connect(forget_entitlements, sender=Subscription, dispatch_uid="entitlements-deleted")
