"""`make bench`: every figure of issue 9 (and the vote's of issue 10) as a ratio against a
baseline measured in the same run, one JSON line each (also appended to bench/results.jsonl).

It builds a fresh PostgreSQL database and a SeaweedFS, the schema (Alembic), a realistic
installation (bench/data.py), serves the app with gunicorn in production mode and the ceiling
app under the same gunicorn settings, and drives both with wrk or with real HTTP clients.

Rate limits: the load comes from one address (127.0.0.1), so the per-network and per-address
vote limits and the sign-in limit are raised for the served app through the environment
(LOGIN_RATE_LIMIT, VOTE_RATE_LIMIT_*); everything else is the production configuration.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
import traceback
from datetime import timedelta
from pathlib import Path

from bench import data
from bench.client import Client, csrf_token
from bench.harness import (
    RESULTS,
    ROOT,
    Server,
    emit,
    ensure_wrk,
    postgres_database,
    run_wrk,
    seaweedfs,
    start_gunicorn,
    timed,
)

ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "8"))
WRK_ROUNDS = int(os.environ.get("BENCH_WRK_ROUNDS", "3"))
# A comma-separated subset of the steps (context, judges, ranking, assignment, upload, surge,
# public results, vote) while working on one figure; the installation is built in full anyway.
ONLY = {step.strip() for step in os.environ.get("BENCH_ONLY", "").split(",") if step.strip()}
WRK_CONNECTIONS = 16
SURGE_WINDOW_S = 60
BUCKET = "awards-bench"
CONFIRM_TOKENS = 40_000

SKIPPED: list[str] = []


def log(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Settings and the in-process app


def app_environment(workdir: Path, database_url: str, weed, access: str, secret: str) -> dict:
    return {
        "AWARDS_ENV": "production",
        "AWARDS_INSTANCE_DIR": str(workdir / "instance"),
        "SECRET_KEY": secrets.token_hex(32),
        "VOTE_HASH_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "S3_ENDPOINT_URL": weed.endpoint_url,
        "S3_ACCESS_KEY_ID": access,
        "S3_SECRET_ACCESS_KEY": secret,
        "S3_BUCKET": BUCKET,
        "BASE_URL": "http://127.0.0.1",
        # One client address sends the whole load: without these the limiter would answer 429
        # (that it does is proved in the test suite, not here).
        "LOGIN_RATE_LIMIT": "1000000 per minute",
        "VOTE_RATE_LIMIT_NETWORK": "1000000 per minute",
        "VOTE_RATE_LIMIT_ADDRESS": "1000000 per minute",
        "VOTE_RATE_LIMIT_CONFIRM": "1000000 per minute",
        "LOG_LEVEL": "WARNING",
    }


def make_app(env: dict):
    """The same configuration the gunicorn workers read from their environment (config.py read
    this process's environment when it was imported, hence the explicit overrides)."""
    os.environ.update(env)  # ProductionConfig.validate() reads it
    from awards import create_app
    from config import ProductionConfig

    overrides = {
        "SECRET_KEY": env["SECRET_KEY"],
        "VOTE_HASH_KEY": env["VOTE_HASH_KEY"],
        "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
        "S3_ENDPOINT_URL": env["S3_ENDPOINT_URL"],
        "S3_ACCESS_KEY_ID": env["S3_ACCESS_KEY_ID"],
        "S3_SECRET_ACCESS_KEY": env["S3_SECRET_ACCESS_KEY"],
        "S3_BUCKET": env["S3_BUCKET"],
        "BASE_URL": env["BASE_URL"],
        "LOG_LEVEL": "WARNING",
    }
    return create_app(ProductionConfig, overrides)


def feature(module: str, *names: str):
    """The named attributes of a feature's module, or None when the feature has not landed."""
    from importlib import import_module

    try:
        found = import_module(module)
    except ImportError:
        return None
    if not all(hasattr(found, name) for name in names):
        return None
    return [getattr(found, name) for name in names]


# --------------------------------------------------------------------------------------------
# Request-rate figures


def rps_figure(
    name: str,
    target: float | None,
    app: Server,
    ceiling: Server,
    path: str,
    *,
    headers: dict | None = None,
    script: Path | None = None,
    rounds: int | None = None,
    **extra,
) -> dict:
    """wrk against the ceiling, then against the app, back to back with the same settings.

    Pages are measured in several alternating rounds and the medians reported, so that a burst
    of other work on the machine during one run does not decide the figure. Scripted loads
    (votes, confirmations) change the database as they go and run once."""
    rounds = rounds or (1 if script else WRK_ROUNDS)
    seconds = WRK_SECONDS if rounds == 1 else max(3, WRK_SECONDS * 2 // rounds)
    bases, results = [], []
    for _ in range(rounds):
        bases.append(run_wrk(ceiling.url + "/", seconds=seconds, connections=WRK_CONNECTIONS))
        results.append(
            run_wrk(
                app.url + path,
                seconds=seconds,
                connections=WRK_CONNECTIONS,
                headers=headers,
                script=script,
            )
        )
    base_rps = statistics.median(b.requests_per_second for b in bases)
    app_rps = statistics.median(r.requests_per_second for r in results)
    errors = sum(r.errors + r.non_2xx for r in results)
    ratio = app_rps / base_rps
    if rounds > 1:
        extra["round_ratios"] = [
            round(r.requests_per_second / b.requests_per_second, 4)
            for b, r in zip(bases, results, strict=True)
        ]
    return emit(
        name,
        app_rps,
        "requests/s",
        "ceiling",
        base_rps,
        errors=errors,
        p99_ms=max((r.p99_ms or 0) for r in results) or None,
        target=f">= {target} x ceiling, 0 errors" if target else "none: context for the others",
        met=(ratio >= target and errors == 0) if target else None,
        **extra,
    )


def expect_page(client: Client, path: str, contains: str) -> None:
    """One request before the load: the page must answer 200 with its content, so that wrk
    never measures a redirect to the sign-in page or an error page."""
    response = client.get(path)
    if response.status != 200 or contains not in response.text:
        raise RuntimeError(f"GET {path} answered {response.status} without {contains!r}")


def judge_figures(app_server: Server, ceiling: Server, info: data.Installation) -> None:
    if not _has_endpoint("judging.entry"):
        SKIPPED.append("judge_dashboard_rps, judge_entry_rps: the judges' pages have not landed")
        return
    judge = Client(app_server.url)
    judge.login(info.dashboard_judge_email, data.PASSWORD)
    headers = {"Cookie": judge.cookie_header}
    dashboard = "/judging/"
    expect_page(judge, dashboard, "GZA7-")
    links = rf"/judging/rounds/{info.demo_round_id}/entries/(\d+)"
    listed = set(re.findall(links, judge.get(dashboard).text))
    if len(listed) != data.DASHBOARD_JUDGE_ENTRIES:
        raise RuntimeError(f"the dashboard lists {len(listed)} entries, not 75")
    rps_figure(
        "judge_dashboard_rps",
        0.25,
        app_server,
        ceiling,
        dashboard,
        headers=headers,
        assigned_entries=data.DASHBOARD_JUDGE_ENTRIES,
    )
    entry = f"/judging/rounds/{info.demo_round_id}/entries/{info.judge_entry_id}"
    expect_page(judge, entry, "csrf_token")
    rps_figure("judge_entry_rps", 0.25, app_server, ceiling, entry, headers=headers)
    judge.close()


_ENDPOINTS: set[str] = set()


def _has_endpoint(endpoint: str) -> bool:
    return endpoint in _ENDPOINTS


# --------------------------------------------------------------------------------------------
# Results: ranking of the large cycle, publication and the public page


def ranking_figure(app, info: data.Installation) -> None:
    found = feature("awards.results.ranking", "compute_ranking")
    if found is None:
        SKIPPED.append("ranking_10k_s: the results package (ranking) has not landed")
        return
    (compute_ranking,) = found
    from sqlalchemy import text

    from awards.cycles.models import Round
    from awards.extensions import db

    baseline_sql = text(
        """
        SELECT r.submission_id, SUM(c.weight * s.value) / SUM(c.weight) AS weighted_mean
        FROM reviews r
        JOIN scores s ON s.review_id = r.id
        JOIN criteria c ON c.id = s.criterion_id
        WHERE r.round_id = :round_id AND r.status = 'submitted'
        GROUP BY r.submission_id
        """
    )
    with app.test_request_context("/"):
        round_ = db.session.get(Round, info.large_round_id)

        def baseline():
            return db.session.execute(baseline_sql, {"round_id": round_.id}).all()

        # Warm both up once (plans, caches), then interleaved, the best of three each.
        compute_ranking(round_)
        baseline()
        times, base_times = [], []
        for _ in range(3):
            t, ranking = timed(compute_ranking, round_, repeat=1)
            times.append(t)
            t, rows = timed(baseline, repeat=1)
            base_times.append(t)
        seconds, base_seconds = min(times), min(base_times)
        parts = _ranking_parts(round_)
        entries = len(ranking.rows)
        reviewed = sum(1 for row in ranking.rows if row.n_reviews == data.LARGE_REVIEWS_PER_ENTRY)
    if entries != data.LARGE_ENTRIES or reviewed != data.LARGE_ENTRIES or len(rows) != entries:
        raise RuntimeError(f"ranking saw {entries} entries ({reviewed} fully reviewed)")
    emit(
        "ranking_10k_s",
        seconds,
        "s",
        "one SQL query: weighted means only",
        base_seconds,
        entries=entries,
        reviews=entries * data.LARGE_REVIEWS_PER_ENTRY,
        **parts,
        target="<= 2 x baseline",
        met=seconds <= 2 * base_seconds,
    )


def _ranking_parts(round_) -> dict:
    """Where the ranking's time goes: its one statement alone (in PostgreSQL; every statistic
    and the per-criterion means), the best of three; the rest is reading the rows."""
    found = feature("awards.results.ranking", "ranking_statement", "options_for")
    if found is None:
        return {}
    ranking_statement, options_for = found
    from awards.extensions import db

    statement = ranking_statement(round_, options_for(round_))
    main_s, _ = timed(lambda: db.session.execute(statement).all(), repeat=3)
    return {"ranking_statement_s": round(main_s, 3)}


def publish_demo_results(app, info: data.Installation) -> bool:
    """The results day of the demo cycle, through the results services: decisions pre-selected
    from the ranking (15 shortlisted, 30 deserving), the round closed and frozen, published."""
    found = feature(
        "awards.results.services", "preselect_from_ranking", "close_round", "publish_results"
    )
    from sqlalchemy import select

    from awards.accounts.models import User
    from awards.cycles.models import Cycle, Round
    from awards.extensions import db

    with app.test_request_context("/"):
        cycle = db.session.get(Cycle, info.demo_cycle_id)
        round_ = db.session.get(Round, info.demo_round_id)
        actor = db.session.scalar(select(User).where(User.email == info.secretariat_email))
        if found is None:
            _shortlist_directly(round_)
            db.session.commit()
            return False
        preselect, close_round, publish = found
        preselect(round_, actor=actor)
        close_round(round_, actor=actor)
        publish(cycle, actor=actor)
        db.session.commit()
    return True


def _shortlist_directly(round_) -> None:
    """Without the results package only the vote needs a shortlist: 15 decision rows."""
    from sqlalchemy import select

    from awards.extensions import db
    from awards.results.models import Decision, Outcome
    from awards.submissions.models import Submission

    ids = db.session.scalars(
        select(Submission.id)
        .where(Submission.cycle_id == round_.cycle_id)
        .order_by(Submission.reference_code)
        .limit(15)
    ).all()
    db.session.add_all(
        Decision(round_id=round_.id, submission_id=sub_id, outcome=Outcome.SHORTLISTED)
        for sub_id in ids
    )


def public_results_figure(app_server: Server, ceiling: Server, published: bool) -> None:
    if not published:
        SKIPPED.append("public_results_rps: the results package (publication) has not landed")
        return
    anonymous = Client(app_server.url)
    path = "/results/gza7"
    expect_page(anonymous, path, "<h")
    rps_figure("public_results_rps", 0.5, app_server, ceiling, path)
    anonymous.close()


# --------------------------------------------------------------------------------------------
# Upload of a 10 MB PDF


def make_pdf(size: int) -> bytes:
    """A valid PDF of about `size` bytes: one page, and an incompressible stream object."""
    filler = secrets.token_bytes(size)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 720 Td (Annual report) Tj ET\nendstream",
        b"<< /Length %d >>\nstream\n" % len(filler) + filler + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def new_draft(client: Client, slug: str) -> int:
    """Start an application through the applicant's 'new application' page; its id."""
    page = client.get(f"/applications/new/{slug}")
    fields = {"csrf_token": csrf_token(page.text), "title": "Benchmark initiative"}
    response = client.post(f"/applications/new/{slug}", fields)
    if response.status != 302:
        raise RuntimeError(f"starting an application answered {response.status}")
    match = re.search(r"/applications/(\d+)", response.location)
    if not match:
        raise RuntimeError(f"no application id in {response.location!r}")
    return int(match.group(1))


def upload_figure(app_server: Server, app, weed, info: data.Installation, env: dict) -> None:
    if not _has_endpoint("submissions.upload_attachment"):
        SKIPPED.append("upload_10mb_s: the applicants' upload endpoint has not landed")
        return
    import boto3

    pdf = make_pdf(10 * 1024 * 1024)
    client = Client(app_server.url)
    client.login(info.upload_applicant, data.PASSWORD)
    submission_id = new_draft(client, info.surge_cycle_slug)
    page = client.get(f"/applications/{submission_id}/attachments")
    token = csrf_token(page.text)

    def through_app():
        response = client.post_multipart(
            f"/applications/{submission_id}/attachments",
            {"csrf_token": token, "caption": "Evaluation report"},
            {"file": ("evaluation-report.pdf", pdf, "application/pdf")},
        )
        if response.status not in (200, 302, 303):
            raise RuntimeError(f"the upload answered {response.status}: {response.text[:300]}")
        return response

    from botocore.config import Config as BotoConfig

    # The client settings the app's storage uses (awards/storage.py), so that only the app's
    # own work (request parsing, type sniffing, the database row) separates the two.
    s3 = boto3.client(
        "s3",
        endpoint_url=weed.endpoint_url,
        aws_access_key_id=env["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["S3_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
        config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    counter = iter(range(1000))

    def direct():
        s3.upload_fileobj(
            io.BytesIO(pdf),
            BUCKET,
            f"bench-direct/{next(counter)}.pdf",
            ExtraArgs={"ContentType": "application/pdf"},
        )

    direct()  # connections warm
    # Interleaved, best of five each: both see the same moments of the noisy machine.
    app_times, direct_times = [], []
    for _ in range(5):
        direct_times.append(timed(direct, repeat=1)[0])
        app_times.append(timed(through_app, repeat=1)[0])
    seconds, base_seconds = min(app_times), min(direct_times)
    client.close()
    stored = _stored_attachments(app, submission_id)
    if stored != 5:
        raise RuntimeError(f"5 uploads left {stored} attachment rows")
    emit(
        "upload_10mb_s",
        seconds,
        "s",
        "boto3 upload_fileobj of the same bytes to the same SeaweedFS",
        base_seconds,
        bytes=len(pdf),
        target="<= 1.3 x baseline",
        met=seconds <= 1.3 * base_seconds,
    )


def _stored_attachments(app, submission_id: int) -> int:
    from sqlalchemy import func, select

    from awards.extensions import db
    from awards.submissions.models import Attachment

    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(Attachment)
            .where(Attachment.submission_id == submission_id)
        )


# --------------------------------------------------------------------------------------------
# Assignment


def assignment_figure(app, info: data.Installation) -> None:
    found = feature("awards.judging.assignment", "propose_assignment", "confirm_proposal")
    if found is None:
        SKIPPED.append("assign_3000_s: the secretariat's assignment has not landed")
        return
    propose, confirm = found
    from sqlalchemy import func, select

    from awards.accounts.models import User
    from awards.cycles.models import Round
    from awards.extensions import db
    from awards.judging.models import Assignment, Conflict
    from awards.submissions.models import Submission

    with app.test_request_context("/"):
        round_ = db.session.get(Round, info.assign_round_id)
        actor = db.session.scalar(select(User).where(User.email == info.secretariat_email))
        start = time.perf_counter()
        proposal = propose(round_, actor=actor)
        proposed = time.perf_counter()
        written = confirm(round_, proposal.token, actor=actor)
        db.session.commit()
        seconds = time.perf_counter() - start
        confirm_s = time.perf_counter() - proposed
        made = db.session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.round_id == round_.id)
        )
        conflicts = db.session.scalar(
            select(func.count())
            .select_from(Conflict)
            .join(Submission, Submission.id == Conflict.submission_id)
            .where(Submission.cycle_id == round_.cycle_id)
        )
    if made != data.ASSIGN_ENTRIES * 3:
        raise RuntimeError(f"the assignment wrote {made} assignments ({written} reported)")
    emit(
        "assign_3000_s",
        seconds,
        "s",
        None,
        None,
        entries=data.ASSIGN_ENTRIES,
        judges=data.ASSIGN_JUDGES,
        assignments=made,
        conflicts=conflicts,
        propose_s=round(seconds - confirm_s, 3),
        confirm_s=round(confirm_s, 3),
        target="< 10 s",
        met=seconds < 10,
    )


# --------------------------------------------------------------------------------------------
# Deadline surge


def surge_figure(app_server: Server, app, info: data.Installation) -> None:
    if not (_has_endpoint("submissions.submit") and _has_endpoint("submissions.save_section")):
        SKIPPED.append(
            "deadline_surge: the applicants' pages (sections, upload, submit) have not landed"
        )
        return
    from bench import surge

    result = surge.run(app_server.url, app, info, window_s=SURGE_WINDOW_S)
    emit(
        "deadline_surge",
        result.seconds,
        "s",
        None,
        None,
        applicants=len(info.surge_applicants),
        submitted=result.submitted,
        requests=result.requests,
        errors=result.errors,
        lost=result.lost,
        p99_ms=result.p99_ms,
        mean_ms_by_step=result.mean_ms_by_step,
        target=f"0 errors, 0 lost, within {SURGE_WINDOW_S} s",
        met=result.errors == 0 and result.lost == 0 and result.seconds <= SURGE_WINDOW_S,
    )


# --------------------------------------------------------------------------------------------
# The public vote


VOTE_LUA = """
local n = 0
local thread_no = 0
function setup(thread)
  thread_no = thread_no + 1
  thread:set("tid", thread_no)
end
request = function()
  n = n + 1
  local entry = ENTRIES[(n % #ENTRIES) + 1]
  local body = "email=v" .. RUN .. "t" .. tid .. "n" .. n ..
    "%40qq.com&website="
  return wrk.format("POST", "/vote/" .. SLUG .. "/entry/" .. entry, HEADERS, body)
end
"""

CONFIRM_LUA = """
local thread_no = 0
local tokens = {}
local i = 0
function setup(thread)
  thread_no = thread_no + 1
  thread:set("tid", thread_no)
end
function init(args)
  for line in io.lines(TOKENS) do tokens[#tokens + 1] = line end
  i = tid - THREADS
end
request = function()
  i = i + THREADS
  local token = tokens[((i - 1) % #tokens) + 1]
  return wrk.format("POST", "/votes/confirm/" .. token, HEADERS, "")
end
"""


# What a phone sends: the vote's pages set no cookie and its forms carry no token.
LUA_HEADERS = (
    "{['Content-Type'] = 'application/x-www-form-urlencoded', "
    "['User-Agent'] = 'Mozilla/5.0 (bench)', ['Accept-Language'] = 'zh-CN,zh;q=0.9'}"
)


def vote_figures(app_server: Server, ceiling: Server, app, info: data.Installation, workdir):

    from sqlalchemy import func, select

    from awards.accounts.models import User
    from awards.cycles.models import Cycle
    from awards.db import utcnow
    from awards.extensions import db
    from awards.votes import queries, services
    from awards.votes.models import Vote, VoteRule, VoteStatus

    with app.test_request_context("/"):
        cycle = db.session.get(Cycle, info.demo_cycle_id)
        actor = db.session.scalar(select(User).where(User.email == info.secretariat_email))
        now = utcnow()
        campaign = services.configure_vote(
            cycle,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=7),
            show_running_totals=False,
            rule=VoteRule.PER_CYCLE,
            actor=actor,
        )
        db.session.commit()
        campaign_id = campaign.id
        entries = sorted(queries.candidate_ids(cycle))
        slug = cycle.slug

    voter = Client(app_server.url)
    page = voter.get(f"/vote/{slug}/entry/{entries[0]}")
    if page.status != 200:
        raise RuntimeError(f"the vote page answered {page.status}")
    run_tag = secrets.token_hex(3)
    lua = workdir / "vote.lua"
    lua.write_text(
        f"ENTRIES = {{{', '.join(map(str, entries))}}}\nRUN = '{run_tag}'\n"
        f"SLUG = '{slug}'\nHEADERS = {LUA_HEADERS}\n" + VOTE_LUA
    )
    line = rps_figure(
        "vote_rps",
        0.3,
        app_server,
        ceiling,
        f"/vote/{slug}/entry/{entries[0]}",
        script=lua,
        rate_limits_raised=True,
    )
    with app.app_context():
        cast = db.session.scalar(
            select(func.count()).select_from(Vote).where(Vote.campaign_id == campaign_id)
        )
        queued = db.session.scalar(
            select(func.count())
            .select_from(_outbox())
            .where(_outbox().c.category == services.MAIL_CATEGORY)
        )
    log(f"vote_rps: {cast} pending votes recorded, {queued} confirmation mails queued")
    if cast == 0 or queued < cast:
        raise RuntimeError("the vote load recorded no votes or queued too few mails")
    del line

    # Confirmation: links of pending votes (the ones just cast, topped up with pending votes
    # written in bulk), each used once.
    tokens_file = workdir / "tokens.txt"
    with app.test_request_context("/"):
        from awards.accounts.tokens import make_token

        _bulk_pending_votes(campaign_id, entries, CONFIRM_TOKENS - cast)
        ids = db.session.scalars(
            select(Vote.id)
            .where(Vote.campaign_id == campaign_id, Vote.status == VoteStatus.PENDING)
            .order_by(func.random())
        ).all()
        tokens_file.write_text(
            "\n".join(make_token("vote", {"v": vote_id, "c": campaign_id}) for vote_id in ids)
            + "\n"
        )
    confirm_page = voter.get(f"/votes/confirm/{make_token_for(app, ids[-1], campaign_id)}")
    if confirm_page.status != 200:
        raise RuntimeError(f"the confirmation page answered {confirm_page.status}")
    lua = workdir / "confirm.lua"
    lua.write_text(
        f"TOKENS = '{tokens_file}'\nTHREADS = 2\nHEADERS = {LUA_HEADERS}\n" + CONFIRM_LUA
    )
    rps_figure(
        "vote_confirm_rps",
        0.3,
        app_server,
        ceiling,
        "/votes/confirm/x",
        script=lua,
        rate_limits_raised=True,
        links=len(ids),
    )
    voter.close()
    with app.app_context():
        confirmed = db.session.scalar(
            select(func.count())
            .select_from(Vote)
            .where(Vote.campaign_id == campaign_id, Vote.status == VoteStatus.CONFIRMED)
        )
    log(f"vote_confirm_rps: {confirmed} votes confirmed")


def make_token_for(app, vote_id: int, campaign_id: int) -> str:
    from awards.accounts.tokens import make_token

    with app.app_context():
        return make_token("vote", {"v": vote_id, "c": campaign_id})


def _outbox():
    from awards.core.models import OutboxMessage

    return OutboxMessage.__table__


def _bulk_pending_votes(campaign_id: int, entries: list[int], n: int) -> None:
    if n <= 0:
        return
    from awards.db import utcnow
    from awards.extensions import db
    from awards.votes.models import Vote, VoteStatus

    bulk = data.Bulk()
    now = utcnow()
    rows = [
        {
            "id": vote_id,
            "campaign_id": campaign_id,
            "submission_id": entries[i % len(entries)],
            "status": VoteStatus.PENDING,
            "email_hash": secrets.token_hex(32),
            "email_domain": "163.com",
            "period_key": "cycle",
            "created_at": now,
            "created_hour": now.replace(minute=0, second=0, microsecond=0),
            "confirmed_at": None,
            "network_prefix": f"10.{i % 250}.{i // 250 % 250}.0/24",
            "fingerprint_hash": secrets.token_hex(32),
            "invalidation_id": None,
        }
        for i, vote_id in enumerate(bulk.ids(Vote.__table__, n))
    ]
    bulk.copy(Vote.__table__, rows)
    bulk.finish()
    db.session.commit()


# --------------------------------------------------------------------------------------------


def main() -> int:
    started = time.monotonic()
    ensure_wrk()
    RESULTS.write_text("")
    with tempfile.TemporaryDirectory(prefix="awards-bench-") as tmp:
        workdir = Path(tmp)
        access, secret = "bench" + secrets.token_hex(4), secrets.token_hex(20)
        with seaweedfs(workdir, access, secret) as weed, postgres_database(ADMIN_URL) as url:
            env = app_environment(workdir, url, weed, access, secret)
            app = make_app(env)
            _ENDPOINTS.update(rule.endpoint for rule in app.url_map.iter_rules())
            from flask_migrate import upgrade

            from awards.storage import get_storage

            with app.app_context():
                upgrade()
                get_storage().ensure_bucket()
            log(f"schema ready after {time.monotonic() - started:.0f} s")
            with app.test_request_context("/"):
                info = data.build()
            log(f"installation built after {time.monotonic() - started:.0f} s: {info.counts}")

            logs = ROOT / "bench" / "gunicorn.log"  # kept after the run (not committed)
            logs.write_text("")
            servers: list[Server] = []
            try:
                ceiling = start_gunicorn("bench.ceiling_app:app", {}, logs)
                servers.append(ceiling)
                app_server = start_gunicorn("wsgi:app", env, logs)
                servers.append(app_server)
                rss_at_start = _warm_rss(app_server)
                steps = [
                    ("context", lambda: context_figure(app_server, ceiling)),
                    ("judges", lambda: judge_figures(app_server, ceiling, info)),
                    ("ranking", lambda: ranking_figure(app, info)),
                    ("assignment", lambda: assignment_figure(app, info)),
                    ("upload", lambda: upload_figure(app_server, app, weed, info, env)),
                    ("surge", lambda: surge_figure(app_server, app, info)),
                ]
                rss_after = {"start": round(rss_at_start, 1)}
                for label, step in steps:
                    _run_step(label, step)
                    rss_after[label] = round(app_server.worker_rss_mb(), 1)
                published = False
                try:
                    published = publish_demo_results(app, info)
                except Exception:  # noqa: BLE001
                    SKIPPED.append("public_results_rps: publishing failed: see the trace above")
                    traceback.print_exc()
                _run_step(
                    "public results", lambda: public_results_figure(app_server, ceiling, published)
                )
                rss_after["public results"] = round(app_server.worker_rss_mb(), 1)
                _run_step("vote", lambda: vote_figures(app_server, ceiling, app, info, workdir))
                rss_after["vote"] = round(app_server.worker_rss_mb(), 1)
                emit(
                    "worker_rss_mb",
                    app_server.worker_rss_mb(),
                    "MB",
                    "ceiling worker",
                    ceiling.worker_rss_mb(),
                    largest_worker_rss_after_mb=rss_after,
                    target="< 150 MB",
                    met=app_server.worker_rss_mb() < 150,
                )
            finally:
                for server in servers:
                    server.stop()
                _dispose(app)
            # While serving only: a thread's traceback while the workers shut down is noise.
            served = logs.read_text(errors="replace").split("Handling signal: term")[0]
            problems = [
                line
                for line in served.splitlines()
                if "CRITICAL" in line or "ERROR" in line or "Traceback" in line
            ]
            if problems:
                log(f"gunicorn reported {len(problems)} problems (bench/gunicorn.log):")
                for line in problems[:10]:
                    log("  " + line)
    for note in SKIPPED:
        log(f"not measured: {note}")
    log(f"make bench took {time.monotonic() - started:.0f} s")
    return 0


def _warm_rss(app_server: Server) -> float:
    """Largest worker RSS once each worker has served a few pages (templates compiled)."""
    client = Client(app_server.url)
    for _ in range(20):
        client.get("/login")
        client.close()
    return app_server.worker_rss_mb()


def context_figure(app_server: Server, ceiling: Server) -> None:
    """Not a target: the app's lightest page (the sign-in form: the full layout, translations
    and CSRF, no database), to show what the page figures are measured against."""
    expect_page(Client(app_server.url), "/login", "csrf_token")
    rps_figure("context_signin_page_rps", None, app_server, ceiling, "/login")


def _run_step(label: str, step) -> None:
    if ONLY and label not in ONLY:
        SKIPPED.append(f"{label}: not asked for (BENCH_ONLY)")
        return
    try:
        step()
    except Exception:  # noqa: BLE001  (one broken figure must not hide the others)
        SKIPPED.append(f"{label}: failed, see the trace above")
        traceback.print_exc()


def _dispose(app) -> None:
    """Close the pool so that the database can be dropped."""
    from awards.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
