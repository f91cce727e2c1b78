import datetime as dt

from celery import shared_task

from billing.actions import BillingError, record_run_failure, run_period
from billing.models import BillingPeriod, PeriodStatus
from billing.periods import parse_month


@shared_task(name="billing.run_period", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_period_task(month: str, close: bool = False, actor: str = "celery", requested_at: str | None = None) -> dict:
    """A billing run in the background; re-running it for an open period gives the same statements.

    The run is one transaction: a worker killed half-way leaves nothing, and the broker hands the
    task to the next worker (late acknowledgement). A second delivery of a request already carried
    out changes nothing (``requested_at``).

    A run that cannot be done (the period was closed meanwhile, a key went missing) is not retried: the
    reason is kept on the period for the finance page and the API.
    """
    first_day = parse_month(month)
    try:
        period = run_period(first_day, actor=actor, close=close,
                            requested_at=dt.datetime.fromisoformat(requested_at) if requested_at else None)
    except BillingError as exc:
        closed = BillingPeriod.objects.filter(month=first_day, status=PeriodStatus.CLOSED).first()
        if close and closed is not None:  # delivered twice: the first delivery closed it
            return {"month": month, "status": closed.status, "statements": closed.statements.count()}
        record_run_failure(first_day, str(exc), actor=actor)
        return {"month": month, "error": str(exc)}
    return {"month": month, "status": period.status, "statements": period.statements.count()}
