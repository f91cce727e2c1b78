"""A service app written here, in a folder of its own, joins the platform with no change elsewhere.

The folder is written to a temporary directory that a fresh process adds to the ``services``
package's path (as if it had been put below services/); that process runs ``manage.py check`` and the
registry-parametrised contract tests (tests/test_service_contract.py) for it: in the catalogue,
mounted, gated, in the menu of subscribed towns only, scheduled, seeded and isolated. A broken copy
of the descriptor stops ``manage.py check`` with a message naming the service.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

FILES = {
    "__init__.py": "",
    "apps.py": '''
        from decimal import Decimal

        from django.apps import AppConfig

        from catalog.registry import MenuItem, MeteringUnit, PeriodicTask, Processor, RiskClass, ServiceDescriptor


        class ThrowawayConfig(AppConfig):
            name = "services.throwaway"
            label = "throwaway"
            default_auto_field = "django.db.models.BigAutoField"
            service = ServiceDescriptor(
                key="throwaway",
                name="Throwaway notes",
                description="Keeps staff notes. Written by a test to prove the service contract.",
                version="0.1.0",
                risk_class=RiskClass.MINIMAL,
                data_categories=("notes typed by staff",),
                processors=(Processor(name="Kreis-IT", role="Operator", location="Germany"),),
                data_location="Germany",
                human_oversight="Staff write and read every note.",
                units=(MeteringUnit(key="note", name="note", minutes_saved=Decimal(1)),),
                urls="services.throwaway.urls",
                api_urls="services.throwaway.api_urls",
                menu=(MenuItem(label="Throwaway notes", url_name="throwaway:index"),),
                periodic_tasks=(PeriodicTask(name="throwaway-count", task="throwaway.count_notes", seconds=600),),
                demo_seed="services.throwaway.demo.seed",
            )
    ''',
    "models.py": '''
        from django.db import models


        class Note(models.Model):
            text = models.TextField()
    ''',
    "migrations/__init__.py": "",
    "migrations/0001_initial.py": '''
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(
                    name="Note",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("text", models.TextField()),
                    ],
                ),
            ]
    ''',
    "views.py": '''
        from django.http import HttpResponse
        from rest_framework.response import Response
        from rest_framework.views import APIView

        from services.throwaway.models import Note


        def index(request):
            return HttpResponse(f"{Note.objects.count()} notes")


        class NoteCountView(APIView):
            def get(self, request):
                return Response({"notes": Note.objects.count()})
    ''',
    "urls.py": '''
        from django.urls import path

        from services.throwaway import views

        app_name = "throwaway"
        urlpatterns = [path("", views.index, name="index")]
    ''',
    "api_urls.py": '''
        from django.urls import path

        from services.throwaway import views

        app_name = "throwaway-api"
        urlpatterns = [path("notes/", views.NoteCountView.as_view(), name="notes")]
    ''',
    "tasks.py": '''
        from core.tasks import town_task
        from services.throwaway.models import Note


        @town_task(name="throwaway.count_notes")
        def count_notes() -> int:
            return Note.objects.count()
    ''',
    "demo.py": '''
        def seed(town):
            from services.throwaway.models import Note

            Note.objects.get_or_create(text="Demo")
            return {"notes": Note.objects.count()}
    ''',
}

# 1 catalogue + 2 routes x (refused, let through) + menu + schedule + demo seed + 1 model
EXPECTED_TESTS = 9


def write_service(root: Path, files: dict[str, str]) -> Path:
    folder = root / "services" / "throwaway"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text).lstrip())
    return root / "services"


def run_with(services_dir: Path, code: str) -> subprocess.CompletedProcess:
    prelude = f"import services, sys; services.__path__.append({str(services_dir)!r}); "
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "devtools.test_settings", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", prelude + code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=900)


def test_a_service_in_its_own_folder_joins_the_platform(tmp_path):
    services_dir = write_service(tmp_path, FILES)
    check = run_with(services_dir, "from django.core.management import execute_from_command_line; "
                                   "execute_from_command_line(['manage.py', 'check'])")
    assert check.returncode == 0, check.stdout + check.stderr
    run = run_with(services_dir, "import pytest; sys.exit(pytest.main(['tests/test_service_contract.py', '-k', "
                                 "'throwaway', '-q', '-p', 'no:cacheprovider', '-o', 'addopts=']))")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert re.search(rf"\b{EXPECTED_TESTS} passed\b", output), output


def test_a_broken_descriptor_stops_manage_py_check(tmp_path):
    broken = {**FILES, "apps.py": FILES["apps.py"].replace('"throwaway:index"', '"throwaway:missing"')
              .replace('task="throwaway.count_notes"', 'task="throwaway.no_such_task"')}
    services_dir = write_service(tmp_path, broken)
    check = run_with(services_dir, "from django.core.management import execute_from_command_line; "
                                   "execute_from_command_line(['manage.py', 'check'])")
    assert check.returncode != 0
    assert "service throwaway: menu entry 'throwaway:missing'" in check.stderr, check.stderr
    assert "service throwaway: periodic task 'throwaway.no_such_task' is no registered Celery task" in check.stderr
