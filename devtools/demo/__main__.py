"""``python -m devtools.demo``: the whole product on embedded servers, with a demo county.

Starts PostgreSQL and Redis (profile ``demo``), migrates, seeds the demo county,
starts the web server, a Celery worker and beat, prints where to log in and
writes ``.demo/demo.json``. Ctrl-C stops everything. Safe to run again.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from devtools.stack import REPO_ROOT, development_environment, get_profile
from devtools.stack.__main__ import down, up_unless_external
from devtools.stack.keycloak import Keycloak
from devtools.stack.processes import port_open, wait_until

DEMO_DIR = REPO_ROOT / ".demo"
STATE = DEMO_DIR / "demo.json"
PORT = int(os.environ.get("PUBLIC_PORT", "8000"))
DOMAIN = os.environ.get("PLATFORM_DOMAIN", "kiverbund.localhost")


def _secret(name: str, make) -> str:
    path = DEMO_DIR / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def demo_environment() -> dict[str, str]:
    DEMO_DIR.mkdir(exist_ok=True)
    profile = get_profile("demo")
    # The production settings, given the embedded servers' addresses as an operator would give theirs.
    return {
        **development_environment(profile),
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kiverbund.settings",
        "KIVERBUND_PROFILE": "demo",
        "DEBUG": "false",
        "SECRET_KEY": _secret("secret_key", lambda: secrets.token_urlsafe(50)),
        "PLATFORM_DOMAIN": DOMAIN,
        "PUBLIC_PORT": str(PORT),
        "DATABASE_URL": os.environ.get("DATABASE_URL", profile.database_url),
        "REDIS_URL": os.environ.get("REDIS_URL", profile.redis_url),
        "MEDIA_ROOT": str(profile.run_dir / "media"),
        "EXPORT_ROOT": str(profile.run_dir / "exports"),
        "CELERY_QUEUE": "kiverbund-demo",
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, check=True)


class MailFolder:
    """SMTP on loopback that files every message Keycloak sends as ``.eml`` (the demo's mailbox)."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}.eml"
        (self.folder / name).write_bytes(envelope.content)
        return "250 OK"


def start_mail_sink(folder: Path):
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(MailFolder(folder), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def main() -> None:
    if port_open(PORT):
        raise SystemExit(f"Port {PORT} is in use: is the demo already running? Set PUBLIC_PORT to use another port.")
    print("Starting PostgreSQL, Redis and Keycloak …", flush=True)
    up_unless_external("demo")  # an external server is used where DATABASE_URL / REDIS_URL are set
    profile = get_profile("demo")
    keycloak = Keycloak(profile.run_dir, profile.keycloak_port)
    keycloak.start()
    mail, smtp_port = start_mail_sink(profile.run_dir / "mail")
    env = demo_environment()
    try:
        manage(env, "migrate", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        subprocess.run([sys.executable, "-m", "devtools.demo.seed_command", "--state", str(STATE), "--smtp-port",
                        str(smtp_port)], cwd=REPO_ROOT, env=env, check=True)
    except subprocess.CalledProcessError as failed:
        # Leave nothing running behind a failed start (the next `make demo` starts afresh).
        mail.stop()
        if not os.environ.get("DEMO_KEEP_SERVERS"):
            keycloak.stop()
            down("demo")
        raise SystemExit(f"make demo: `manage.py {failed.cmd[2]}` failed (exit {failed.returncode}); see above.") from None
    logs = profile.run_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    commands = {
        # The production server settings (kiverbund.gunicorn_conf), on this machine's port.
        "web": [sys.executable, "-m", "gunicorn", "-c", "python:kiverbund.gunicorn_conf", "kiverbund.wsgi",
                "--bind", f"127.0.0.1:{PORT}"],
        "worker": [sys.executable, "-m", "celery", "-A", "kiverbund", "worker", "-Q", "kiverbund-demo",
                   "--concurrency", "2", "--loglevel", "INFO"],
        "beat": [sys.executable, "-m", "celery", "-A", "kiverbund", "beat", "--loglevel", "INFO",
                 "--schedule", str(profile.run_dir / "celerybeat-schedule")],
    }
    processes: dict[str, subprocess.Popen] = {}
    for name, command in commands.items():
        processes[name] = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=(logs / f"{name}.log").open("a"),
                                           stderr=subprocess.STDOUT, start_new_session=True)
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nStopping …", flush=True)
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        mail.stop()
        if not os.environ.get("DEMO_KEEP_SERVERS"):
            keycloak.stop()
            down("demo")
        raise SystemExit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    wait_until(lambda: port_open(PORT), 60, "web server", logs / "web.log")
    state = json.loads(STATE.read_text())
    print(banner(state, logs), flush=True)
    while True:
        for name, process in processes.items():
            if process.poll() is not None and not stopping:
                print(f"{name} exited with {process.returncode}; see {logs / (name + '.log')}", flush=True)
                stop()
        time.sleep(1)


def banner(state: dict, logs: Path) -> str:
    admin = state["admin"]
    lines = [
        "",
        "KI-Verbund läuft / is running",
        f"  Betreiberkonsole / operator console: {state['console_url']}",
        f"  Notzugang / break-glass login: {admin['username']} / {admin['password']}",
        f"  Keycloak: {state.get('keycloak_url')}  (Realm {state.get('realm')})",
        "  Demo-Anmeldungen / demo logins (Keycloak):",
        *[f"    {u['role']:<16} {u['username']:<28} {u['password']}" for u in state.get("users", [])],
        *[f"    service account  {s['client_id']:<28} {s['client_secret']}" for s in state.get("service_accounts", [])],
        "  Gemeinden / towns:",
        *[f"    {town['name']:<24} {town['url']}" for town in state["towns"]],
        f"  Status: {state['console_url']}readyz   Logs: {logs}",
        f"  E-Mails / mail: {state.get('mail_folder')}",
        f"  Alles steht in / everything is in {STATE}",
        "  Beenden mit Strg-C / stop with Ctrl-C",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
