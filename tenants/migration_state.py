"""What migrating many town schemas shares within one process: the migration files read once, the
rendered project state per set of applied migrations, and the content types post_migrate would add.

Used by ``tenants.migrating`` (Django's plan per schema) and ``tenants.migration_replay`` (one plan's SQL
replayed in every schema).
"""

from __future__ import annotations

import functools

from django.db import connection

# Per process: the migration files (read once), the rendered project state for each set of applied
# migrations, and the state after applying a plan to it (what post_migrate receivers see). Valid while
# the code does not change, which holds for a process (``expected_migrations`` assumes the same).
states: dict[frozenset, object] = {}
post_apps_cache: dict[tuple, object] = {}


@functools.cache
def process_loader():
    """The migration graph from the files on disk, or None where it depends on a schema's state.

    Squashed migrations (``replaces``) make the graph depend on which migrations a schema has applied;
    then each schema gets a loader of its own, as in Django's command.
    """
    from django.core.management.base import CommandError
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None)
    conflicts = loader.detect_conflicts()
    if conflicts:
        raise CommandError(f"Conflicting migrations: {conflicts}; run makemigrations --merge")
    return None if loader.replacements else loader


def project_state(executor, applied: frozenset):
    """The rendered project state after ``applied``, built once per process (rendering every model is
    the expensive step of migrating a schema); callers clone it before applying anything."""
    state = states.get(applied)
    if state is None:
        state = executor._create_project_state(with_applied_migrations=True)
        state.apps  # noqa: B018  (renders every model)
        states[applied] = state
    return state


class Executor:
    """Django's MigrationExecutor on a loader and recorder it is given, not ones it builds itself."""

    @staticmethod
    def make(loader, recorder):
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor.__new__(MigrationExecutor)
        executor.connection, executor.loader, executor.recorder = connection, loader, recorder
        executor.progress_callback = None
        return executor


def check_consistent_history(loader, applied) -> None:
    """``MigrationLoader.check_consistent_history`` on the applied migrations already read."""
    from django.db.migrations.exceptions import InconsistentMigrationHistory

    for migration in applied:
        if migration not in loader.graph.nodes:
            continue
        for parent in loader.graph.node_map[migration].parents:
            if parent not in applied:
                raise InconsistentMigrationHistory(
                    f"Migration {migration[0]}.{migration[1]} is applied before its dependency "
                    f"{parent[0]}.{parent[1]} in schema {connection.schema_name}.")


def content_types_wanted(post_apps) -> set[tuple[str, str]]:
    """(app label, model) of every content type contenttypes' post_migrate receiver makes sure of."""
    from django.apps import apps as global_apps
    from django.db import router

    try:
        content_type = post_apps.get_model("contenttypes", "ContentType")
    except LookupError:
        return set()
    if not router.allow_migrate_model(connection.alias, content_type):
        return set()
    wanted = set()
    for app_config in global_apps.get_app_configs():
        if app_config.models_module is None:
            continue
        try:
            state_config = post_apps.get_app_config(app_config.label)
        except LookupError:
            continue
        wanted |= {(app_config.label, model._meta.model_name) for model in state_config.get_models()}
    return wanted


def add_content_types(post_apps) -> None:
    """The content types post_migrate would add app by app, added in one statement beforehand.

    contenttypes' receiver then finds them all and inserts nothing: one INSERT per schema instead
    of one per app (town schemas are cloned without data, so they lack all of them at first).
    """
    wanted = content_types_wanted(post_apps)
    if not wanted:
        return
    content_type = post_apps.get_model("contenttypes", "ContentType")
    manager = content_type.objects.using(connection.alias)
    existing = set(manager.values_list("app_label", "model"))
    manager.bulk_create([content_type(app_label=app, model=model) for app, model in sorted(wanted - existing)])


def final_apps(post_state):
    """The models after migrating, as Django's ``migrate`` hands them to post_migrate receivers."""
    from django.apps import apps as global_apps
    from django.db.migrations.state import ModelState

    post_state.clear_delayed_apps_cache()
    post_apps = post_state.apps
    with post_apps.bulk_update():
        model_keys = []
        for model_state in post_apps.real_models:
            model_key = model_state.app_label, model_state.name_lower
            model_keys.append(model_key)
            post_apps.unregister_model(*model_key)
    post_apps.render_multiple([ModelState.from_model(global_apps.get_model(*model)) for model in model_keys])
    return post_apps
