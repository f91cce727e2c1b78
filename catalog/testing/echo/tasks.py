from catalog.entitlement import service_task
from core.tasks import town_task


@town_task(name="echo.echo")
@service_task("echo")
def echo(text: str = "") -> str:
    return text
