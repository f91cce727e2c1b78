"""A test-only service that proves the registry, entitlement and register mechanism.

It is installed by ``devtools.test_settings`` only, never in production or the
demo, which offer the real services (the citizen chatbot, ``services.chatbot``).
The catalogue tests use it because its behaviour is trivial and fixed: they test
the mechanism, not a service.
"""

from decimal import Decimal

from django.apps import AppConfig

from catalog.registry import MenuItem, MeteringUnit, PeriodicTask, Processor, RiskClass, ServiceDescriptor


class EchoConfig(AppConfig):
    name = "catalog.testing.echo"
    label = "echo_service"
    service = ServiceDescriptor(
        key="echo",
        name="Echo test service",
        description="Repeats what it is sent. Exists only in the test suite to prove the catalogue mechanism.",
        version="1.0",
        risk_class=RiskClass.MINIMAL,
        data_categories=("Free text entered by staff",),
        processors=(Processor(name="Landkreis Musterland, Kreis-IT", role="Operator", location="Germany"),),
        data_location="Germany (county data centre)",
        human_oversight="Staff read every answer before using it.",
        units=(MeteringUnit(key="echo", name="Echo request", minutes_saved=Decimal("0.5")),),
        register_defaults={
            "purpose": "Testing the platform.",
            "legal_basis": "Art. 6(1)(e) GDPR",
            "data_sources": "Text entered by staff",
            "risks": "None beyond wrong echoes.",
            "mitigations": "Staff review.",
        },
        permissions=("town_admin", "town_staff"),
        urls="catalog.testing.echo.urls",
        api_urls="catalog.testing.echo.api_urls",
        menu=(MenuItem(label="Echo", url_name="echo:index"),),
        periodic_tasks=(PeriodicTask(name="echo-hourly", task="echo.echo", seconds=3600),),
    )
