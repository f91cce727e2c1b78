from catalog.entitlement import require_service
from kiverbund.tasks import town_task


@town_task(name="catalog.testing.echo.tasks.echo")
@require_service("echo").task
def echo(text: str) -> str:
    return text
