from django.core.management.base import CommandError

from tenants.models import Town


def town_by_ags(ags: str) -> Town:
    town = Town.objects.filter(ags=ags).first()
    if town is None:
        raise CommandError(f"No town with AGS {ags}")
    return town
