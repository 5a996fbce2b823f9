"""The deadline surge: 300 cities finishing their applications in the same minute.

Each simulated applicant is a thread with its own HTTP connection and cookies, doing what a
browser does: sign in, start the application, fill step 1, save every step-2 section (as the
autosave script does, asking for JSON), upload a small PDF, and submit. Starts are spread over
the first half of the window. Every response outside the expected statuses is an error; an
application whose submit was confirmed but which is not `submitted` in the database is lost.
"""

from __future__ import annotations

import random
import re
import sys
import threading
import time
from dataclasses import dataclass

from bench import data
from bench.client import Client, Response, csrf_token

LOCK_VERSION_RE = re.compile(
    r'name="lock_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lock_version"'
)
JSON = {"Accept": "application/json"}


@dataclass
class SurgeResult:
    seconds: float
    submitted: int
    requests: int
    errors: int
    lost: int
    p99_ms: float
    mean_ms_by_step: dict[str, float]


class Applicant:
    def __init__(self, base_url: str, email: str, info: data.Installation, writer, pdf: bytes):
        self.client = Client(base_url)
        self.email = email
        self.info = info
        self.pdf = pdf
        self.latencies: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.submission_id: int | None = None
        self.submitted = False
        # Written before the clock starts, so that the load generator spends its CPU on
        # requests only (it shares the machine's two cores with the server).
        self.summary = writer.text(120)
        self.bodies = {
            section_id: writer.text(int(limit * 0.7)) for section_id, limit in info.surge_sections
        }

    def _check(self, response: Response, expected: tuple[int, ...], what: str) -> Response:
        self.latencies.append((what, response.elapsed))
        if response.status not in expected:
            self.errors.append(f"{what}: {response.status}")
            raise _Stop
        return response

    def get(self, path: str, what: str) -> Response:
        return self._check(self.client.get(path), (200,), what)

    def run(self) -> None:
        try:
            self._journey()
        except _Stop:
            pass
        except Exception as exc:  # noqa: BLE001  (a dropped connection is an error, not a crash)
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.client.close()

    def _journey(self) -> None:
        c, info = self.client, self.info
        page = self.get("/login", "sign-in page")
        self._check(
            c.post(
                "/login",
                {
                    "csrf_token": csrf_token(page.text),
                    "email": self.email,
                    "password": data.PASSWORD,
                },
            ),
            (302,),
            "sign in",
        )
        slug = info.surge_cycle_slug
        page = self.get(f"/applications/new/{slug}", "new application page")
        response = self._check(
            c.post(
                f"/applications/new/{slug}",
                {"csrf_token": csrf_token(page.text), "title": f"Open data for {self.email}"},
            ),
            (302,),
            "start application",
        )
        self.submission_id = int(re.search(r"/applications/(\d+)", response.location).group(1))
        base = f"/applications/{self.submission_id}"

        page = self.get(f"{base}/basic", "step 1")
        match = LOCK_VERSION_RE.search(page.text)
        fields = {
            "csrf_token": csrf_token(page.text),
            "lock_version": (match.group(1) or match.group(2)) if match else "1",
            "title": f"Open data for {self.email.split('@')[0]}: a city that answers in a day",
            "umbrella_programme": "",
            "summary": self.summary,
            "start_date": "2024-03-01",
            "initiative_status": "ongoing",
            "end_date": "",
            "domains": [str(info.surge_domain_ids[0]), str(info.surge_domain_ids[-1])],
            "sdgs": ["11", "16"],
            "contacts-0-name": "Li Wei",
            "contacts-0-role": "Director, Urban Innovation Office",
            "contacts-0-email": self.email,
            "contacts-0-phone": "+86 20 1234 5678",
            "partners": "UN-Habitat\nCity University",
        }
        self._check(
            c.request("POST", f"{base}/basic", _form(fields), {**JSON, **_FORM}),
            (200,),
            "save step 1",
        )

        page = self.get(f"{base}/initiative", "step 2")
        token = csrf_token(page.text)
        for section_id, body in self.bodies.items():
            self._check(
                c.request(
                    "POST",
                    f"{base}/sections/{section_id}",
                    _form(
                        {
                            "csrf_token": token,
                            f"s{section_id}-version": "1",
                            f"s{section_id}-body": body,
                        }
                    ),
                    {**JSON, **_FORM},
                ),
                (200,),
                "save section",
            )

        page = self.get(f"{base}/attachments", "attachments page")
        self._check(
            c.post_multipart(
                f"{base}/attachments",
                {"csrf_token": csrf_token(page.text), "caption": "Monitoring report 2025"},
                {"file": ("monitoring-report.pdf", self.pdf, "application/pdf")},
            ),
            (302,),
            "upload",
        )

        page = self.get(f"{base}/submit", "submit page")
        self._check(
            c.post(f"{base}/submit", {"csrf_token": csrf_token(page.text)}),
            (302,),
            "submit",
        )
        self.submitted = True


class _Stop(Exception):
    pass


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _form(fields: dict) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields, doseq=True).encode()


def run(base_url: str, app, info: data.Installation, *, window_s: int) -> SurgeResult:
    from sqlalchemy import select

    from awards.extensions import db
    from awards.submissions.models import Submission, SubmissionStatus
    from bench.run import make_pdf

    rng = random.Random(300)
    pdf = make_pdf(150 * 1024)
    applicants = [
        Applicant(base_url, email, info, data.Writer(random.Random(i)), pdf)
        for i, email in enumerate(info.surge_applicants)
    ]
    offsets = sorted(rng.uniform(0, window_s / 2) for _ in applicants)
    start = time.perf_counter()

    def later(applicant: Applicant, offset: float) -> None:
        delay = start + offset - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        applicant.run()

    threads = [
        threading.Thread(target=later, args=(a, o), daemon=True)
        for a, o in zip(applicants, offsets, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    seconds = time.perf_counter() - start

    latencies = sorted(t for a in applicants for _what, t in a.latencies)
    by_step: dict[str, list[float]] = {}
    for a in applicants:
        for what, t in a.latencies:
            by_step.setdefault(what, []).append(t)
    errors = [e for a in applicants for e in a.errors]
    confirmed = {a.submission_id for a in applicants if a.submitted}
    with app.app_context():
        in_database = set(
            db.session.scalars(
                select(Submission.id).where(
                    Submission.cycle_id == info.surge_cycle_id,
                    Submission.status == SubmissionStatus.SUBMITTED,
                    Submission.reference_code.is_not(None),
                )
            )
        )
    if errors:
        print(f"# surge errors (first 5 of {len(errors)}): {errors[:5]}", file=sys.stderr)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0
    return SurgeResult(
        seconds=seconds,
        submitted=len(in_database),
        requests=len(latencies),
        errors=len(errors),
        # Confirmed to the applicant (redirected to the receipt) but not submitted in the
        # database.
        lost=len(confirmed - in_database),
        mean_ms_by_step={
            what: round(1000 * sum(ts) / len(ts), 1) for what, ts in sorted(by_step.items())
        },
        p99_ms=round(p99 * 1000, 1),
    )
