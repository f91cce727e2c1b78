"""Scale-out on this machine: the processes the Helm chart runs, with the chart's rendered commands and
environment, against one PostgreSQL and one Redis — two web processes behind a round-robin balancer,
two Celery workers, one beat. The journeys (onboarding, subscription, a chatbot question, a billing run,
a town export a worker writes and both web processes serve from the shared exports folder) pass with
requests spread over both web processes; killing one web process and one worker mid-run loses
no acknowledged request and no job.

What differs from the cluster, and only that: secrets come from this test instead of Kubernetes Secrets,
the paths of volumes point into a temporary folder, each process listens on its own loopback port, and
each worker gets its own node name (pods have their own host names).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import requests

from devtools.stack import get_profile
from kiverbund.celery import app

from ..helm.chart import REPO, container_env, named, pod_spec, render
from .balancer import RoundRobinBalancer

pytestmark = pytest.mark.worker

VALUES = Path(__file__).with_name("values.yaml")
DOMAIN = "scaleout.localhost"
DATABASE = "kiverbund_scaleout"
PASSWORD = secrets.token_urlsafe(16)
BIN = Path(sys.executable).parent


def wait_for(condition, timeout: float = 180.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Chart:
    """The chart rendered with the scale-out values: each process' command and environment."""

    def __init__(self, tmp: Path, database_url: str, redis_url: str):
        manifests = render([VALUES])
        self.containers = {
            "web": pod_spec(named(manifests, "Deployment", "-web"))["containers"][0],
            "worker": pod_spec(named(manifests, "Deployment", "-worker-default"))["containers"][0],
            "beat": pod_spec(named(manifests, "Deployment", "-beat"))["containers"][0],
            "migrations": pod_spec(named(manifests, "Job", "-migrations"))["containers"][0],
        }
        self.tmp = tmp
        self.secrets = {
            ("scaleout", "SECRET_KEY"): secrets.token_urlsafe(50),
            ("scaleout", "DATABASE_URL"): database_url,
            ("scaleout", "REDIS_URL"): redis_url,
            ("scaleout", "KEYCLOAK_ADMIN_USER"): "admin",
            ("scaleout", "KEYCLOAK_ADMIN_PASSWORD"): "not-used",
        }

    def env(self, name: str, instance: str) -> dict[str, str]:
        env = container_env(self.containers[name], self.secrets)
        local = self.tmp / instance
        moved = {"/var/lib/kiverbund/media": self.tmp / "media", "/var/lib/kiverbund/exports": self.tmp / "exports",
                 "/opt/kiverbund/static": self.tmp / "static", "/tmp/metrics": local / "metrics", "/tmp": local}
        for key, value in env.items():
            if value in moved:
                env[key] = str(moved[value])
                Path(env[key]).mkdir(parents=True, exist_ok=True)
        # The process environment of this machine, minus what would point the settings elsewhere.
        base = {k: v for k, v in os.environ.items()
                if k not in ("DJANGO_SETTINGS_MODULE", "KIVERBUND_PROFILE", "DEBUG") and not k.startswith("PYTEST")}
        return {**base, **env, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                "BEAT_LOCK_KEY": f"scaleout-{uuid.uuid4().hex[:8]}:beat", "OPENBLAS_NUM_THREADS": "1"}

    def command(self, name: str) -> list[str]:
        command = list(self.containers[name]["command"])
        return [str(BIN / command[0]) if (BIN / command[0]).exists() else command[0], *command[1:]]


class Processes:
    def __init__(self, logs: Path):
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, instance: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=(self.logs / f"{instance}.log").open("w"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.running[instance] = process
        return process

    def kill(self, instance: str) -> None:
        """SIGKILL to the whole process group, as when a pod's node fails: no graceful shutdown."""
        process = self.running[instance]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)

    def log(self, instance: str) -> str:
        return (self.logs / f"{instance}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


class Browserless:
    """HTTP through the balancer with a Host header per request and a new connection for each request."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.session = requests.Session()

    def request(self, method: str, host: str, path: str, **kwargs) -> requests.Response:
        headers = {"Host": host, "Connection": "close", **kwargs.pop("headers", {})}
        token = self.session.cookies.get("csrftoken")
        if token and method != "GET":
            headers["X-CSRFToken"] = token
        return self.session.request(method, self.base + path, headers=headers, timeout=120,
                                    allow_redirects=False, **kwargs)

    def get(self, host, path, **kwargs):
        return self.request("GET", host, path, **kwargs)

    def post(self, host, path, **kwargs):
        return self.request("POST", host, path, **kwargs)


@pytest.fixture
def cluster(tmp_path):
    profile = get_profile("test")
    server = profile.database_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    chart = Chart(tmp_path, f"{server}/{DATABASE}", profile.redis_url)
    processes = Processes(tmp_path)
    try:
        # The migrations hook, then a break-glass operator (the chart's NOTES tell how).
        job = subprocess.run(chart.command("migrations"), cwd=REPO, env=chart.env("migrations", "migrations"),
                             capture_output=True, text=True, timeout=900)
        assert job.returncode == 0, job.stdout[-3000:] + job.stderr[-3000:]
        subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", "ops",
                        "--email", "ops@scaleout.localhost"], cwd=REPO, check=True, capture_output=True,
                       env={**chart.env("migrations", "migrations"), "DJANGO_SUPERUSER_PASSWORD": PASSWORD})
        web_ports = [free_port(), free_port()]
        for index, port in enumerate(web_ports, 1):
            processes.start(f"web-{index}", chart.command("web"),
                            {**chart.env("web", f"web-{index}"), "WEB_BIND": f"127.0.0.1:{port}"})
        worker_command = chart.command("worker")
        for index in (1, 2):
            command = [part.replace("default@%h", f"default-{index}@%h") for part in worker_command]
            processes.start(f"worker-{index}", command, chart.env("worker", f"worker-{index}"))
        beat_command = [part.replace("/tmp/", str(tmp_path / "beat") + "/") for part in chart.command("beat")]
        processes.start("beat", beat_command, chart.env("beat", "beat"))
        for port in web_ports:
            wait_for(lambda p=port: requests.get(f"http://127.0.0.1:{p}/readyz", timeout=5).status_code == 200,
                     what=f"web on {port}")
        node = os.uname().nodename
        wait_for(lambda: len(app.control.ping(destination=[f"default-1@{node}", f"default-2@{node}"],
                                              timeout=1)) == 2, what="both workers")
        with RoundRobinBalancer([("127.0.0.1", port) for port in web_ports]) as balancer:
            yield {"balancer": balancer, "web_ports": web_ports, "processes": processes,
                   "database_url": f"{server}/{DATABASE}", "logs": tmp_path}
    finally:
        processes.stop_all()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def login(client: Browserless) -> None:
    assert client.get(DOMAIN, "/accounts/login/").status_code == 200
    response = client.post(DOMAIN, "/accounts/login/", data={
        "username": "ops", "password": PASSWORD, "csrfmiddlewaretoken": client.session.cookies["csrftoken"]})
    assert response.status_code == 302, response.text[:2000]


def onboard(client: Browserless, ags: str, name: str) -> str:
    response = client.post(DOMAIN, "/api/v1/towns/", json={"ags": ags, "name": name, "population": 5000,
                                                            "kreis": ags[:5], "activate": True})
    assert response.status_code == 201, response.text
    return response.json()["host"].split(":")[0]


def subscribe(client: Browserless, host: str, offering: int) -> None:
    from catalog.models import ChecklistItem

    created = client.post(host, "/api/v1/subscriptions/", json={"offering": offering})
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    for item in ChecklistItem.values:
        response = client.post(host, f"/api/v1/subscriptions/{sid}/checklist/",
                               json={"item": item, "avv_version": "2026-01",
                                     "dpia_not_required_reason": "keine personenbezogenen Daten"})
        assert response.status_code == 200, response.text
    activated = client.post(host, f"/api/v1/subscriptions/{sid}/activate/")
    assert activated.status_code == 200 and activated.json()["status"] == "active", activated.text


def ask(client: Browserless, host: str, question: str) -> str:
    response = client.post(host, "/api/v1/chatbot/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()["conversation"]


def month(offset: int) -> str:
    import datetime as dt

    today = dt.date.today().replace(day=1)
    year, index = divmod(today.year * 12 + today.month - 1 - offset, 12)
    return f"{year:04d}-{index + 1:02d}"


def statements(client: Browserless, period: str) -> list:
    response = client.get(DOMAIN, f"/api/v1/billing/statements/?period={period}")
    assert response.status_code == 200, response.text
    return response.json()["results"]


def ran(client: Browserless, period: str) -> bool:
    """The queued run of ``period`` has been done (statements written, or its reason for not kept)."""
    detail = client.get(DOMAIN, f"/api/v1/billing/periods/{period}/").json()
    return bool(detail["last_error"] or (detail["last_run_at"] and detail["run_requested_at"]
                                         and detail["last_run_at"] >= detail["run_requested_at"]))


def conversation_tokens(database_url: str, schema: str) -> set[str]:
    with psycopg.connect(database_url) as conn:
        return {str(row[0]) for row in conn.execute(f'SELECT token FROM "{schema}".chatbot_conversation')}


def test_journeys_spread_over_two_web_processes_and_survive_a_killed_web_process_and_worker(cluster):
    balancer, processes = cluster["balancer"], cluster["processes"]
    client = Browserless(balancer.port)

    # Journeys: onboarding, subscription, a chatbot question, a billing run.
    login(client)
    hosts = [onboard(client, f"0999{n:04d}", f"Skalierdorf {n}") for n in (1, 2)]
    offering = client.post(DOMAIN, "/api/v1/offerings/", json={
        "service": "chatbot", "provider": "Kreis-IT", "contract_title": "AVV", "contract_version": "2026-01",
        "price_model": "per_inhabitant", "amount": "0.2500", "requires_county_approval": False})
    assert offering.status_code == 201, offering.text
    for host in hosts:
        subscribe(client, host, offering.json()["id"])
    first = ask(client, hosts[0], "Wann hat das Bürgerbüro geöffnet?")
    assert first
    period = month(0)
    assert client.post(DOMAIN, "/api/v1/billing/pools/", json={"service": "chatbot", "month": period,
                                                               "category": "staff", "amount": "100.00"}).status_code == 201
    assert client.post(DOMAIN, "/api/v1/billing/rules/", json={"service": "chatbot", "kind": "population"}).status_code == 201
    run = client.post(DOMAIN, f"/api/v1/billing/periods/{period}/run/")
    assert run.status_code == 202, run.text
    wait_for(lambda: len(statements(client, period)) == 2, what="the billing run")
    # Two towns of the same size, one subscription each: the same share.
    assert len({s["total"] for s in statements(client, period)}) == 1
    served = dict(balancer.served)
    assert len(served) == 2 and min(served.values()) >= 5, served

    # A town export: a worker writes it to the shared exports volume; either web process serves the download.
    ags = "09990001"
    assert client.post(DOMAIN, f"/towns/{ags}/export/").status_code == 302
    link = re.compile(rf"/towns/{ags}/exports/(\d+)/")
    wait_for(lambda: link.search(client.get(DOMAIN, f"/towns/{ags}/").text), what="the town export")
    url = link.search(client.get(DOMAIN, f"/towns/{ags}/").text).group(0)
    before = Counter(balancer.served)
    for _ in range(4):
        download = client.get(DOMAIN, url)
        assert download.status_code == 200 and download.content[:2] == b"PK", download.status_code
    assert all(count >= 1 for count in (Counter(balancer.served) - before).values()) and \
        len(Counter(balancer.served) - before) == 2, (before, balancer.served)

    # Jobs: billing runs for six earlier months; one worker is killed while they run.
    periods = [month(offset) for offset in range(1, 7)]
    for earlier in periods:
        assert client.post(DOMAIN, "/api/v1/billing/pools/", json={
            "service": "chatbot", "month": earlier, "category": "staff", "amount": "60.00"}).status_code == 201
    # A run over months without subscriptions takes a tenth of a second: too quick to be caught. A real lock on
    # a table every run reads (and queuing a run does not) keeps the runs in flight until the worker is killed.
    with psycopg.connect(cluster["database_url"]) as holder:
        holder.execute("LOCK TABLE billing_efficiencyoverride IN ACCESS EXCLUSIVE MODE")
        for earlier in periods:
            assert client.post(DOMAIN, f"/api/v1/billing/periods/{earlier}/run/").status_code == 202
        # Killed while it holds a run it received and has not finished (not acknowledged: late acknowledgement).
        wait_for(lambda: processes.log("worker-1").count("] received") > processes.log("worker-1").count("] succeeded"),
                 timeout=120, what="worker-1 to hold a queued run")
        processes.kill("worker-1")
        holder.rollback()

    # Requests: a stream of questions while one web process is killed; a request that got no answer
    # (connection reset) was not acknowledged and is asked again, as a client would.
    acknowledged: list[str] = []
    unanswered = 0
    killed = threading.Event()

    def stream():
        nonlocal unanswered
        for n in range(30):
            while True:
                try:
                    acknowledged.append(ask(client, hosts[1], f"Frage {n}: Wo beantrage ich einen Ausweis?"))
                    break
                except (requests.RequestException, AssertionError):
                    unanswered += 1
                    if unanswered > 30:
                        raise
            if n == 8:
                killed.wait(60)

    asker = threading.Thread(target=stream)
    asker.start()
    wait_for(lambda: len(acknowledged) >= 8, what="the first questions")
    processes.kill("web-1")
    killed.set()
    asker.join(300)
    assert not asker.is_alive() and len(acknowledged) == 30

    schema = "town_09990002"
    stored = conversation_tokens(cluster["database_url"], schema)
    assert set(acknowledged) <= stored, set(acknowledged) - stored
    # Every job ran: the killed worker's task came back to the queue after the visibility timeout.
    wait_for(lambda: all(ran(client, p) for p in periods), timeout=240,
             what="every queued billing run (worker-1 killed)")
    assert processes.running["worker-2"].poll() is None and processes.running["web-2"].poll() is None
    assert "succeeded" in processes.log("worker-2")
    print(f"requests per web process: {dict(balancer.served)}; not answered and asked again: {unanswered}")
