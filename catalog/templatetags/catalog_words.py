"""Names people understand for what the platform stores as codes: services and their metering units."""

from __future__ import annotations

from django import template

from catalog.registry import get_service

register = template.Library()


def _stored(key: str) -> dict:
    from catalog.models import Service

    return Service.objects.filter(key=key).values("name", "descriptor").first() or {}


@register.filter
def service_name(key) -> str:
    """``chatbot`` → "Bürger-Chatbot" (in the request's language); a service no longer installed by its last name."""
    descriptor = get_service(str(key))
    if descriptor is not None:
        return str(descriptor.name)
    return _stored(str(key)).get("name") or str(key)


@register.filter
def unit_name(unit, service) -> str:
    """A metering unit by its name: ``answered_question`` of ``chatbot`` → "beantwortete Frage"."""
    descriptor = get_service(str(service))
    if descriptor is not None:
        names = {u.key: str(u.name) for u in descriptor.units}
    else:
        names = {u["key"]: u.get("name", u["key"]) for u in _stored(str(service)).get("descriptor", {}).get("units", [])}
    return names.get(str(unit), str(unit))
