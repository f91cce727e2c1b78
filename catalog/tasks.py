from celery import current_app, shared_task


@shared_task(name="catalog.end_expired_subscriptions")
def end_expired_subscriptions() -> list[int]:
    """Daily: cancelled subscriptions stop at their end date (public schema, all towns at once)."""
    from catalog.actions import end_expired_subscriptions as end

    return end()


@shared_task(name="catalog.dispatch_to_subscribed_towns")
def dispatch_to_subscribed_towns(task_name: str, service_key: str) -> int:
    """A service's periodic task (``catalog.schedule``): sent once per active town with an active
    subscription to the service, in that town's schema. Returns how many towns it was sent to."""
    from django_tenants.utils import schema_context

    from catalog.schedule import subscribed_town_schemas

    schemas = subscribed_town_schemas(service_key)
    for schema in schemas:
        with schema_context(schema):
            current_app.send_task(task_name)
    return len(schemas)

