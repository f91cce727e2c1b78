from celery import shared_task

from billing.actions import run_period
from billing.periods import parse_month


@shared_task(name="billing.run_period", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_period_task(month: str, close: bool = False, actor: str = "celery") -> dict:
    """A billing run in the background; re-running it for an open period gives the same statements."""
    period = run_period(parse_month(month), actor=actor, close=close)
    return {"month": month, "status": period.status, "statements": period.statements.count()}
