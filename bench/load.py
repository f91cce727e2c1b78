"""Benchmark: the product under load, each endpoint beside a bare Django view in the same run.

    .venv/bin/python bench/load.py            # about 4 minutes
    .venv/bin/python bench/load.py --quick    # CI: a few seconds per measurement

The web server is gunicorn with the production settings (``kiverbund.gunicorn_conf``:
``WEB_WORKERS`` processes × ``WEB_THREADS`` threads) on the ``test`` profile's PostgreSQL
and Redis, in a database of its own (``kiverbund_bench_load``, dropped and created again).
The load comes from wrk (installed with apt-get when missing), on its own thread.

Scenarios, each measured against ``/healthz`` (answered by the first middleware, the
least a Django request costs through the same server) with the same connections,
baseline and product alternating so that load from other processes hits both alike:

1. the authenticated town API ``GET /api/v1/town/`` with a town service account's
   bearer token, 50 connections;
2. the chatbot's ``POST /api/v1/chatbot/ask``, 10 connections (citizens), every
   question different (no cached embedding);
3. the operator console's town list ``GET /`` with a session, 10 connections.

Bearer tokens are RS256 JWTs with Keycloak's claims for a town service account,
signed by a key the benchmark makes and published as a JWKS from a small HTTP
server here (``KEYCLOAK_URL`` points at it): the same validation path as with
Keycloak, without starting a Keycloak. Prints figures; asserts no timing.
``--profile`` also profiles town API requests in this process (cProfile) and prints
where the time goes.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from _common import REPO_ROOT, Clock, bench_env, drop_database, manage, recreate_database, verdict

DOMAIN = "kiverbund.localhost"
TARGET_RATIO = 0.25
TARGET_P95_MS = 100.0
ISSUER_PATH = "/realms/kiverbund"


@dataclass
class Result:
    label: str
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- load generator -------------------------------------------------------------------------------------

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package) …", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench/load.py needs wrk (Debian: apt-get install wrk)")
    return found


WRK_SCRIPT = r"""
local host, method, path, body_kind, extra = os.getenv("BENCH_HOST"), os.getenv("BENCH_METHOD"),
    os.getenv("BENCH_PATH"), os.getenv("BENCH_BODY"), os.getenv("BENCH_HEADER")
local questions = {}
for line in io.lines(os.getenv("BENCH_QUESTIONS")) do questions[#questions + 1] = line end
local counter = 0
id = 0
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local headers = {["Host"] = host}
  if extra ~= nil and extra ~= "" then
    local name, value = extra:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  if body_kind == "question" then
    headers["Content-Type"] = "application/json"
    local q = questions[(counter % #questions) + 1]
    local body = string.format('{"question": "%s (%d-%d)"}', q, id, counter)
    return wrk.format(method, path, headers, body)
  end
  return wrk.format(method, path, headers)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
    + summary.errors.timeout
  io.write(string.format('BENCH {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors))
end
"""


def wrk_run(wrk: str, port: int, *, label: str, host: str, path: str, connections: int, seconds: float,
            script: Path, questions: Path, method: str = "GET", body: str = "", header: str = "") -> Result:
    env = {**os.environ, "BENCH_HOST": host, "BENCH_METHOD": method, "BENCH_PATH": path, "BENCH_BODY": body,
           "BENCH_HEADER": header, "BENCH_QUESTIONS": str(questions)}
    threads = max(1, min(2, connections))
    result = subprocess.run(
        [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}{path}"],
        env=env, capture_output=True, text=True, check=False,
    )
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stdout[-2000:]} {result.stderr[-2000:]}")
    data = json.loads(line[6:])
    if not data["requests"]:
        raise RuntimeError(f"wrk made no request: {result.stdout[-2000:]} {result.stderr[-2000:]}")
    return Result(label, data["requests"], data["duration_us"] / 1e6, data["p50"] / 1000, data["p95"] / 1000,
                  data["p99"] / 1000, data["errors"])


# --- a stand-in for the identity provider's key set ----------------------------------------------------------

class Issuer:
    """An RSA key published as the realm's JWKS; mints access tokens shaped like Keycloak's."""

    def __init__(self) -> None:
        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwks = json.dumps({"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's hook name)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(jwks)))
                self.end_headers()
                self.wfile.write(jwks)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def service_account_token(self, slug: str) -> str:
        import jwt

        now = int(time.time())
        client = f"town-{slug}-api"
        claims = {"iss": self.url + ISSUER_PATH, "aud": "kiverbund-api", "sub": str(uuid.uuid4()), "typ": "Bearer",
                  "azp": client, "preferred_username": f"service-account-{client}", "town": slug,
                  "iat": now, "exp": now + 6 * 3600, "jti": str(uuid.uuid4()), "scope": "profile email"}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


# --- data --------------------------------------------------------------------------------------------------

def seed(towns: int) -> dict:
    """A chatbot town with the demo FAQ, ``towns`` further towns, and a break-glass administrator's session."""
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django_tenants.utils import schema_context

    from catalog.actions import save_offering, sync_catalogue
    from catalog.models import Service
    from devtools.demo.subscriptions import subscribe
    from services.chatbot.actions.knowledge import import_entries
    from services.chatbot.demo import FAQ
    from services.chatbot.formats import read_rows
    from tenants.actions import TownData, onboard_town

    town, _ = onboard_town(TownData(ags="09999001", name="Laststadt", population=12000), actor="bench",
                           activate=True)
    for number in range(towns):
        onboard_town(TownData(ags=f"0999{number + 2:04d}", name=f"Gemeinde {number + 2}", population=5000 + number),
                     actor="bench", activate=True)
    sync_catalogue(actor="bench")
    subscribe(town, save_offering({"provider": "Kreis-IT", "contract_title": "AVV Chatbot", "contract_version": "1.0",
                                   "price_model": "cost_pool", "amount": Decimal("24000.00"),
                                   "description": "Benchmark"}, actor="bench",
                                  service=Service.objects.get(key="chatbot")), actor="bench")
    rows = read_rows(FAQ.read_bytes(), FAQ.name)
    with schema_context(town.schema_name):
        report = import_entries(rows, actor="bench", town=town)
    assert report.ok, report.errors
    operator = get_user_model().objects.create_user("kreis-it-bench", is_staff=True, is_superuser=True)
    session = SessionStore()
    session[SESSION_KEY] = str(operator.pk)
    session[BACKEND_SESSION_KEY] = "identity.backend.BreakGlassBackend"
    session[HASH_SESSION_KEY] = operator.get_session_auth_hash()
    session.create()
    return {"town": town, "session": session.session_key, "questions": [r["question"] for r in rows]}


# --- the server ---------------------------------------------------------------------------------------------

def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    from devtools.stack.processes import port_open, wait_until

    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:kiverbund.gunicorn_conf", "kiverbund.wsgi",
         "--bind", f"127.0.0.1:{port}"],
        cwd=REPO_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    wait_until(lambda: port_open(port) or process.poll() is not None, 60, "gunicorn", log)
    if process.poll() is not None:
        raise RuntimeError(f"gunicorn exited: {log.read_text()[-3000:]}")
    return process


def wait_for(port: int, plan: dict) -> None:
    """The first answers of a fresh worker take seconds (Django, the embedding model): wait for them."""
    import http.client

    deadline = time.monotonic() + 180
    for _attempt in range(8):
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            headers = {"Host": plan["host"]}
            if plan.get("header"):
                name, value = plan["header"].split(":", 1)
                headers[name] = value.strip()
            body = None
            if plan.get("body"):
                headers["Content-Type"] = "application/json"
                body = json.dumps({"question": "Wie lange ist das Rathaus geöffnet?"})
            connection.request(plan.get("method", "GET"), plan["path"], body=body, headers=headers)
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{plan['path']} answers {status}")
            time.sleep(0.5)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def report(name: str, base: list[Result], product: list[Result], *, target: bool) -> dict:
    rows = []
    for b, p in zip(base, product, strict=True):
        rows.append((b, p, p.rps / b.rps if b.rps else 0.0))
    print(f"\n{name}")
    print(f"  {'run':<5}{'':<34}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for index, (b, p, r) in enumerate(rows, 1):
        for result in (b, p):
            print(f"  {index:<5}{result.label:<34}{result.rps:>9.0f}{result.p50:>9.1f}{result.p95:>9.1f}"
                  f"{result.p99:>9.1f}{result.errors:>8}")
        print(f"  {'':<5}{'ratio':<34}{r:>9.2f}×")
    worst_ratio = min(r for _b, _p, r in rows)
    worst_p95 = max(p.p95 for _b, p, _r in rows)
    if target:
        print(f"  target ≥ {TARGET_RATIO:.2f}× of the bare view: {verdict(worst_ratio >= TARGET_RATIO)} "
              f"(lowest {worst_ratio:.2f}×); p95 ≤ {TARGET_P95_MS:.0f} ms: {verdict(worst_p95 <= TARGET_P95_MS)} "
              f"(highest {worst_p95:.1f} ms)")
    if any(p.errors for _b, p, _r in rows):
        print("  WARNING: the product answered with errors (non-2xx, timeouts); see the server log")
    return {"ratio": worst_ratio, "p95": worst_p95}


def profile_console(session_key: str, requests: int) -> None:
    """Where the console's town list spends its time, in this process."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST=DOMAIN)
    client.cookies["sessionid"] = session_key
    for _ in range(5):
        assert client.get("/").status_code == 200
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        client.get("/")
    profiler.disable()
    print(f"\nprofile: {requests} console town lists in-process, "
          f"{(time.perf_counter() - started) / requests * 1000:.2f} ms each (profiler overhead included)")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def profile_town_api(host: str, token: str, requests: int) -> None:
    """Where a town API request spends its time, in this process (Django's test client, full middleware)."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {token}")
    for _ in range(50):  # warm: keys fetched, caches filled
        assert client.get("/api/v1/town/").status_code == 200
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        client.get("/api/v1/town/")
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"\nprofile: {requests} town API requests in-process, {elapsed / requests * 1000:.2f} ms each "
          "(profiler overhead included)")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="kiverbund_bench_load")
    parser.add_argument("--quick", action="store_true", help="short runs (CI): 2 s each, one round, 10 towns")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measurement")
    parser.add_argument("--rounds", type=int, default=2, help="baseline/product pairs per scenario")
    parser.add_argument("--towns", type=int, default=100, help="towns besides the chatbot town (console list)")
    parser.add_argument("--only", choices=["town", "chatbot", "console"], action="append",
                        help="measure only these scenarios")
    parser.add_argument("--profile", action="store_true", help="also profile town API requests in-process")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.rounds, args.towns = 2.0, 1, 10
    scenarios = args.only or ["town", "chatbot", "console"]
    wrk = ensure_wrk()

    from devtools.stack.__main__ import up_unless_external

    up_unless_external("test")
    issuer = Issuer()
    env = bench_env(args.db)
    env.update({
        "DEBUG": "false", "SECRET_KEY": "bench-load-" + uuid.uuid4().hex, "PLATFORM_DOMAIN": DOMAIN,
        "KEYCLOAK_URL": issuer.url, "KEYCLOAK_ADMIN_USER": "unused", "KEYCLOAK_ADMIN_PASSWORD": "unused",
        "CACHE_KEY_PREFIX": "kiverbund-bench-load", "CELERY_QUEUE": "kiverbund-bench-load",
        # Every citizen of the benchmark comes from 127.0.0.1: the per-client limit would stop them at once.
        "CHATBOT_RATE_PER_CLIENT": "100000000", "CHATBOT_RATE_PER_TOWN": "100000000",
        "LOG_LEVEL": "WARNING", "OPENBLAS_NUM_THREADS": "1",
    })
    os.environ.update({k: env[k] for k in ("KIVERBUND_PROFILE", "DATABASE_URL", "DJANGO_SETTINGS_MODULE",
                                           "KEYCLOAK_PROVISIONING", "DEBUG", "SECRET_KEY", "PLATFORM_DOMAIN",
                                           "KEYCLOAK_URL", "CACHE_KEY_PREFIX", "CHATBOT_RATE_PER_CLIENT",
                                           "CHATBOT_RATE_PER_TOWN", "KEYCLOAK_ADMIN_USER",
                                           "KEYCLOAK_ADMIN_PASSWORD", "LOG_LEVEL")})
    clock = Clock()
    workers, threads = os.environ.get("WEB_WORKERS", "2"), os.environ.get("WEB_THREADS", "4")
    print(f"KI-Verbund load benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start, "
          f"gunicorn {workers} workers × {threads} threads (kiverbund.gunicorn_conf), {args.seconds:.0f} s per "
          f"measurement, {args.rounds} round(s)", flush=True)
    recreate_database(args.db)
    seconds, _ = manage("migrate", "-v", "0", env=env)
    print(f"{clock} database migrated in {seconds:.1f} s", flush=True)

    import django

    django.setup()
    data = seed(args.towns)
    town = data["town"]
    token = issuer.service_account_token(town.slug)
    print(f"{clock} seeded: town {town.host} with {len(data['questions'])} FAQ entries, {args.towns} more towns",
          flush=True)
    from django.db import connections

    connections.close_all()

    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    script = work / "bench.lua"
    script.write_text(WRK_SCRIPT)
    questions = work / "questions.txt"
    questions.write_text("\n".join(q.replace('"', "").replace("\\", "") for q in data["questions"]) + "\n")
    port = free_port()
    log = work / "gunicorn.log"
    server = start_server(env, port, log)
    summary: dict[str, dict] = {}
    try:
        plans = {
            "town": dict(name="Town API GET /api/v1/town/ (service-account bearer token), 50 connections",
                         host=town.host, path="/api/v1/town/", connections=50,
                         header=f"Authorization: Bearer {token}", target=True),
            "chatbot": dict(name="Chatbot POST /api/v1/chatbot/ask (every question new), 10 connections",
                            host=town.host, path="/api/v1/chatbot/ask", connections=10, method="POST",
                            body="question", target=False),
            "console": dict(name="Console town list GET / (operator session), 10 connections",
                            host=DOMAIN, path="/", connections=10, header=f"Cookie: sessionid={data['session']}",
                            target=False),
        }
        for key in scenarios:
            plan = plans[key]
            common = dict(port=port, script=script, questions=questions)
            # Warm up: every worker loads what it loads lazily (signing keys, the embedding model, caches).
            wait_for(port, plan)
            wrk_run(wrk, label="warm-up", host=plan["host"], path=plan["path"], connections=plan["connections"],
                    seconds=5, method=plan.get("method", "GET"), body=plan.get("body", ""),
                    header=plan.get("header", ""), **common)
            base, product = [], []
            for _ in range(args.rounds):
                base.append(wrk_run(wrk, label="bare view GET /healthz", host=plan["host"], path="/healthz",
                                    connections=plan["connections"], seconds=args.seconds, **common))
                product.append(wrk_run(wrk, label=plan["path"], host=plan["host"], path=plan["path"],
                                       connections=plan["connections"], seconds=args.seconds,
                                       method=plan.get("method", "GET"), body=plan.get("body", ""),
                                       header=plan.get("header", ""), **common))
            summary[key] = report(plan["name"], base, product, target=plan["target"])
            print(f"{clock} load average {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        os.killpg(server.pid, 15)
        server.wait(30)
    errors = [line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line or " 500 " in line]
    if errors:
        print(f"server log has {len(errors)} error lines: {log}")
    if args.profile:
        profile_town_api(town.host, token, 500 if args.quick else 3000)
        profile_console(data["session"], 50 if args.quick else 300)
    connections.close_all()
    issuer.server.shutdown()
    if not args.keep_db:
        drop_database(args.db)
    print(f"\n{clock} done; load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
