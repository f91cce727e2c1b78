from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Towns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from tenants.hosts import domain_changed, town_changed
        from tenants.models import Domain, Town

        post_save.connect(town_changed, sender=Town, dispatch_uid="town-hosts-town-saved")
        post_delete.connect(town_changed, sender=Town, dispatch_uid="town-hosts-town-deleted")
        post_save.connect(domain_changed, sender=Domain, dispatch_uid="town-hosts-domain-saved")
        post_delete.connect(domain_changed, sender=Domain, dispatch_uid="town-hosts-domain-deleted")
