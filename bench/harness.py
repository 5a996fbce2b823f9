"""Shared machinery for `make bench`: services, gunicorn, wrk and the result lines."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from awards.devstack import SeaweedFS, free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.jsonl"
GUNICORN_WORKERS = 2
# The settings the README recommends for production; the ceiling app gets the same ones.
GUNICORN_ARGS = [
    "--workers",
    str(GUNICORN_WORKERS),
    "--threads",
    "4",
    "--worker-class",
    "gthread",
    # gunicorn 23+ opens a control socket at one fixed path per user ($HOME/.gunicorn/
    # gunicorn.ctl): two servers here (and any other gunicorn on the machine) would share it.
    "--no-control-socket",
]


def emit(
    name: str,
    value: float,
    unit: str,
    baseline: str | None = None,
    baseline_value: float | None = None,
    **extra,
) -> dict:
    """Print one result line and append it to bench/results.jsonl.

    `ratio` is value / baseline_value: for rates higher is better, for times lower is better.
    """
    line = {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": None if baseline_value is None else round(baseline_value, 4),
        "ratio": None if not baseline_value else round(value / baseline_value, 4),
        **extra,
    }
    text = json.dumps(line)
    print(text, flush=True)
    with RESULTS.open("a") as handle:
        handle.write(text + "\n")
    return line


@dataclass
class Server:
    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def worker_rss_mb(self) -> float:
        """Largest resident memory among the gunicorn workers (children of the master)."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
                if match:
                    sizes.append(int(match.group(1)) / 1024)
        return max(sizes) if sizes else 0.0


def start_gunicorn(app_spec: str, env: dict[str, str], log: Path) -> Server:
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(  # noqa: S603
        [gunicorn, *GUNICORN_ARGS, "--bind", f"127.0.0.1:{port}", app_spec],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        wait_for_port(port, 60, process)
    except BaseException:  # an interrupt or a failed start: leave no gunicorn behind
        server.stop()
        raise
    return server


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)  # noqa: S607
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed for the load figures: apt-get install wrk")
    return found


@dataclass
class WrkResult:
    requests_per_second: float
    errors: int
    non_2xx: int
    p99_ms: float | None


def run_wrk(
    url: str,
    *,
    seconds: int = 10,
    connections: int = 16,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    timeout_s: int = 10,
) -> WrkResult:
    # wrk's default 2 s timeout would count a slow write under load as a socket error.
    command = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={timeout_s}s",
        "--latency",
    ]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    p99_ms = None
    if p99:
        value, unit = float(p99.group(1)), p99.group(2)
        p99_ms = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    return WrkResult(rps, errors, int(non_2xx_match.group(1)) if non_2xx_match else 0, p99_ms)


@contextmanager
def postgres_database(base_url: str):
    """A fresh database for the run, dropped afterwards."""
    from sqlalchemy import create_engine, make_url, text

    name = f"awards_bench_{os.getpid()}_{secrets.token_hex(2)}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def seaweedfs(workdir: Path, access_key: str, secret_key: str):
    server = SeaweedFS(workdir / "seaweedfs", access_key=access_key, secret_key=secret_key)
    try:  # an interrupt while it starts must not leave `weed` running
        yield server.start()
    finally:
        server.stop()


def timed(fn, *args, repeat: int = 3, **kwargs) -> tuple[float, object]:
    """Best of `repeat` wall-clock runs (the least disturbed by the noisy machine)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result
