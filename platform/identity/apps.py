from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "identity"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from identity import (
            provisioning,
            schema,  # noqa: F401  (registers the OpenAPI extension)
        )
        from identity.backend import forget_user
        from tenants import identity as town_identity

        # Onboarding and offboarding reach Keycloak through this hook; tenants never import identity.
        town_identity.register(provisioning)
        # Signed-in requests read the account through the cache (identity.backend): a save drops the copy.
        post_save.connect(forget_user, sender=get_user_model(), dispatch_uid="identity.forget_user.saved")
        post_delete.connect(forget_user, sender=get_user_model(), dispatch_uid="identity.forget_user.deleted")
