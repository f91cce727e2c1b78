from django.conf import settings

from catalog.menu import service_menu
from tenants.access import can_manage_billing, has_town_role, is_platform_admin
from tenants.models import Role


def platform(request):
    town = getattr(request, "tenant", None)
    return {
        "town": town,
        "platform_domain": settings.PLATFORM_DOMAIN,
        "is_platform_admin": is_platform_admin(request.user) if hasattr(request, "user") else False,
        "can_read_finance": bool(town and hasattr(request, "user")
                                 and has_town_role(request.user, town, Role.FINANCE, Role.TOWN_ADMIN)),
        "can_manage_billing": hasattr(request, "user") and can_manage_billing(request.user),
        "service_menu": service_menu(getattr(request, "user", None), town),
        "can_manage_members": bool(town and hasattr(request, "user") and has_town_role(request.user, town, Role.TOWN_ADMIN)),
    }
