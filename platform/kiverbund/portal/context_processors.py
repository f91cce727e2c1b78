from django.conf import settings

from tenants.access import is_platform_admin


def platform(request):
    town = getattr(request, "tenant", None)
    return {
        "town": town,
        "platform_domain": settings.PLATFORM_DOMAIN,
        "is_platform_admin": is_platform_admin(request.user) if hasattr(request, "user") else False,
    }
