"""A system check over every service descriptor, run once at start-up (``manage.py check``, migrate,
runserver, Celery workers) instead of on each request.

It imports what a descriptor names (URL modules, demo hook, tasks) and reports each problem with the
service it belongs to, so a bad descriptor stops ``manage.py check`` with a clear message.
"""

from __future__ import annotations

import importlib.util
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, register
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils.module_loading import import_string

from catalog.registry import ServiceDescriptor

TAG = "services"


def _error(message: str, obj, number: int, hint: str | None = None) -> Error:
    return Error(message, hint=hint, obj=obj, id=f"catalog.E{number:03d}")


@register(TAG)
def check_service_descriptors(app_configs=None, **kwargs) -> list[Error]:
    errors: list[Error] = []
    descriptors: dict[str, tuple[str, ServiceDescriptor]] = {}
    for config in apps.get_app_configs():
        if not hasattr(config, "service"):
            continue
        try:
            descriptor = config.service
        except Exception as error:  # noqa: BLE001 - any failure is a broken declaration
            errors.append(_error(f"{config.name}.service cannot be read: {error!r}", config.name, 1))
            continue
        if not isinstance(descriptor, ServiceDescriptor):
            errors.append(_error(f"{config.name}.service must be a catalog.registry.ServiceDescriptor", config.name, 1))
            continue
        if descriptor.key in descriptors:
            errors.append(_error(f"two apps register the service {descriptor.key!r}: "
                                 f"{descriptors[descriptor.key][0]} and {config.name}", config.name, 2))
            continue
        descriptors[descriptor.key] = (config.name, descriptor)
        problems = descriptor.problems()
        errors.extend(_error(problem, config.name, 3) for problem in problems)
        if not problems:
            errors.extend(_imports(config.name, descriptor))
    if errors:
        return errors
    errors.extend(_roles(descriptors))
    errors.extend(_paths(descriptors))
    errors.extend(_menus(descriptors))
    errors.extend(_schedules(descriptors))
    return errors


def _imports(app: str, meta: ServiceDescriptor) -> list[Error]:
    errors = []
    for field, app_name in (("urls", meta.key), ("api_urls", f"{meta.key}-api")):
        module_path = getattr(meta, field)
        if module_path is None:
            continue
        try:
            module = import_module(module_path)
        except ImportError as error:
            errors.append(_error(f"service {meta.key}: {field} module {module_path!r} cannot be imported: {error}",
                                 app, 4))
            continue
        if not isinstance(getattr(module, "urlpatterns", None), list | tuple):
            errors.append(_error(f"service {meta.key}: {module_path} has no urlpatterns list", app, 4))
        if getattr(module, "app_name", None) != app_name:
            errors.append(_error(f"service {meta.key}: {module_path} must set app_name = {app_name!r}", app, 4,
                                 hint="URL names are reversed as '<app_name>:<name>'."))
    for field in ("demo_seed", "town_starter", "dashboard"):
        path = getattr(meta, field)
        if path is None:
            continue
        try:
            hook = import_string(path)
        except ImportError as error:
            errors.append(_error(f"service {meta.key}: {field} {path!r} cannot be imported: {error}", app, 5))
        else:
            if not callable(hook):
                errors.append(_error(f"service {meta.key}: {field} {path!r} is not callable", app, 5))
    return errors


def _roles(descriptors) -> list[Error]:
    from tenants.models import Role

    return [_error(f"service {key}: unknown role {role!r} in permissions", app, 6,
                   hint=f"Roles: {', '.join(Role.values)}.")
            for key, (app, meta) in descriptors.items() for role in meta.permissions if role not in Role.values]


def _first_segments(patterns) -> set[str]:
    """The first path segment of every platform route (routes at "" are looked into)."""
    from catalog.mounting import SERVICE_MOUNT

    segments = set()
    for pattern in patterns:
        if getattr(pattern, SERVICE_MOUNT, None):
            continue
        route = str(pattern.pattern).lstrip("^")
        if route:
            segments.add(route.split("/")[0].split(".")[0])
        elif isinstance(pattern, URLResolver):
            segments |= _first_segments(pattern.url_patterns)
    return segments


def _api_segments(patterns) -> set[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver) and str(pattern.pattern) == "api/v1/":
            return _first_segments(pattern.url_patterns)
    return set()


def _paths(descriptors) -> list[Error]:
    """A service mounted at /<key>/ or /api/v1/<key>/ must not hide a platform route."""
    errors = []
    try:
        town = get_resolver(settings.ROOT_URLCONF).url_patterns
        console = get_resolver(settings.PUBLIC_SCHEMA_URLCONF).url_patterns
    except Exception as error:  # noqa: BLE001 - reported, not raised: the check must finish
        return [_error(f"the town URLconf cannot be loaded: {error!r}", None, 7)]
    pages = _first_segments(town)
    api = _api_segments(town) | _api_segments(console)
    for key, (app, meta) in descriptors.items():
        if meta.urls and key in pages:
            errors.append(_error(f"service {key}: /{key}/ is a platform page; choose another key", app, 7))
        if meta.api_urls and key in api:
            errors.append(_error(f"service {key}: /api/v1/{key}/ is a platform API; choose another key", app, 7))
    return errors


def _menus(descriptors) -> list[Error]:
    errors = []
    for key, (app, meta) in descriptors.items():
        for item in meta.menu:
            if not item.url_name.startswith(f"{key}:"):
                errors.append(_error(f"service {key}: menu entry {item.url_name!r} must name one of its own pages "
                                     f"('{key}:<name>')", app, 8))
                continue
            try:
                reverse(item.url_name, urlconf=settings.ROOT_URLCONF)
            except NoReverseMatch:
                errors.append(_error(f"service {key}: menu entry {item.url_name!r} is no page without arguments "
                                     f"in {meta.urls}", app, 8))
    return errors


def _schedules(descriptors) -> list[Error]:
    from celery import current_app
    from tenant_schemas_celery.task import TenantTask

    errors = []
    # What Celery's autodiscovery imports: each app's tasks module (its tasks register on import).
    for config in apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.tasks") is not None:
            import_module(f"{config.name}.tasks")
    names = dict.fromkeys(getattr(settings, "CELERY_BEAT_SCHEDULE", {}), "the project")
    for key, (app, meta) in descriptors.items():
        for task in meta.periodic_tasks:
            if task.name in names:
                errors.append(_error(f"service {key}: periodic task name {task.name!r} is used by "
                                     f"{names[task.name]} already", app, 9))
            names[task.name] = f"service {key}"
            registered = current_app.tasks.get(task.task)
            if registered is None:
                errors.append(_error(f"service {key}: periodic task {task.task!r} is no registered Celery task",
                                     app, 9, hint="Declare it with @town_task(name=...) in the app's tasks.py."))
            elif not isinstance(registered, TenantTask):
                errors.append(_error(f"service {key}: periodic task {task.task!r} must be a town task "
                                     "(@town_task): it runs in each subscribed town's schema", app, 9))
    return errors
