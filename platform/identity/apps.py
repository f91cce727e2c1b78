from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "identity"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self):
        from identity import (
            provisioning,
            schema,  # noqa: F401  (registers the OpenAPI extension)
        )
        from tenants import identity as town_identity

        # Onboarding and offboarding reach Keycloak through this hook; tenants never import identity.
        town_identity.register(provisioning)
