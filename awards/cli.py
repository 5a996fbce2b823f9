"""`flask awards ...`: administration commands."""

from __future__ import annotations

import threading
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from awards.extensions import db


@click.group("awards")
def awards_cli() -> None:
    """Awards administration."""


@awards_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option(
    "--role",
    type=click.Choice(["applicant", "judge", "secretariat", "admin"]),
    required=True,
)
@click.option(
    "--password", default=None, help="Set a password now; otherwise an invitation is sent."
)
@with_appcontext
def create_user_command(email: str, name: str, role: str, password: str | None) -> None:
    """Create a user with a password, or invite them by e-mail."""
    from awards.accounts import services
    from awards.accounts.models import Role
    from awards.errors import DomainError

    # Services translate their messages and build e-mailed links with url_for: both need a
    # request context. Commit inside it, because the end of a request removes the session.
    with current_app.test_request_context("/"):
        try:
            if password:
                user = services.create_user(
                    email=email,
                    name=name or email,
                    role=Role(role),
                    password=password,
                    verified=True,
                )
                db.session.commit()
                click.echo(f"Created {user.role} {user.email}.")
            else:
                invitation = services.invite_user(
                    email=email, name=name, role=Role(role), invited_by=None
                )
                db.session.commit()
                click.echo(
                    f"Invited {invitation.email} as {invitation.role}; the e-mail is queued."
                )
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.message)) from exc


def seed_demo_if_empty() -> bool:
    from awards.accounts.models import User

    if db.session.scalar(select(func.count()).select_from(User)):
        return False
    from awards.demo import seed_demo

    seed_demo()
    db.session.commit()
    return True


@awards_cli.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed even if users already exist.")
@with_appcontext
def seed_demo_command(force: bool) -> None:
    """Load a realistic demo cycle (about 300 initiatives, judges, staff, attachments)."""
    from awards.demo import demo_summary, seed_demo
    from awards.errors import DomainError

    if force:
        try:
            seed_demo()
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        db.session.commit()
    elif not seed_demo_if_empty():
        click.echo("Users exist already; nothing seeded (use --force to add a demo cycle anyway).")
        return
    click.echo("Demo data loaded.")
    for line in demo_summary():
        click.echo(line)


@awards_cli.command("export-cycle")
@click.argument("slug")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_cycle_command(slug: str, path: str) -> None:
    """Write a whole cycle (rows and attachment files) to one .tar.gz archive."""
    from pathlib import Path

    from awards.archive import export_cycle
    from awards.errors import DomainError

    try:
        counts = export_cycle(slug, Path(path))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Exported {slug} to {path}: {sum(counts.values())} rows.")


@awards_cli.command("import-cycle")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_cycle_command(path: str) -> None:
    """Restore a cycle archive into an installation that does not hold that data yet."""
    from pathlib import Path

    from awards.archive import import_cycle
    from awards.errors import DomainError

    try:
        counts = import_cycle(Path(path))
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"Imported {sum(counts.values())} rows.")


def run_periodic_jobs() -> None:
    """Scheduled work besides mail delivery (reminders before rounds close, ...)."""
    from awards.worker_jobs import PERIODIC_JOBS

    for job in PERIODIC_JOBS:
        try:
            job()
            db.session.commit()
        except Exception:  # noqa: BLE001  (one failing job must not stop the others)
            db.session.rollback()
            current_app.logger.exception("periodic job %s failed", job.__name__)


def run_worker_once() -> tuple[int, int]:
    from awards.mail import deliver_due

    run_periodic_jobs()
    return deliver_due()


def run_worker_loop(app, stop: threading.Event, interval: float = 2.0) -> None:
    while not stop.is_set():
        with app.app_context():
            try:
                run_worker_once()
            except Exception:  # noqa: BLE001  (the loop outlives database or SMTP outages)
                db.session.rollback()
                app.logger.exception("worker pass failed; retrying")
            finally:
                db.session.remove()
        stop.wait(interval)


@awards_cli.command("worker")
@click.option("--once", is_flag=True, help="Run one pass and exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
@with_appcontext
def worker_command(once: bool, interval: float) -> None:
    """Deliver queued e-mail and run scheduled jobs."""
    if once:
        sent, failed = run_worker_once()
        click.echo(f"sent {sent}, failed attempts {failed}")
        return
    stop = threading.Event()
    click.echo("Worker running; Ctrl-C to stop.")
    try:
        run_worker_loop(current_app._get_current_object(), stop, interval)
    except KeyboardInterrupt:
        stop.set()
    time.sleep(0)
