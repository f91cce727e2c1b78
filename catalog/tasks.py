from celery import shared_task


@shared_task(name="catalog.end_expired_subscriptions")
def end_expired_subscriptions() -> list[int]:
    """Daily: cancelled subscriptions stop at their end date (public schema, all towns at once)."""
    from catalog.actions import end_expired_subscriptions as end

    return end()
