"""Domain exceptions and the app's own error pages."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule of the domain was broken; the message is safe to show to the user."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    pass


class StaleEdit(DomainError):
    """Someone else saved the same thing since this form was loaded."""


class DeadlinePassed(DomainError):
    pass


ERROR_TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    413: _l("The upload is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is temporarily unavailable"),
}
ERROR_HELP = {
    400: _l("Please go back, reload the page and try again."),
    403: _l("If you think you should have access, contact the award secretariat."),
    404: _l("The address may be mistyped, or the page no longer exists."),
    405: _l("Please go back and use the buttons on the page."),
    413: _l("Nothing was saved from this upload. Please choose a smaller file and try again."),
    429: _l("Please wait a minute before trying again."),
    500: _l("Your previous work is saved. Please try again in a moment."),
    503: _l("Please try again in a few minutes. Your previous work is saved."),
}


CSRF_HELP = _l(
    "The form could not be accepted: it has expired or was not sent from this site. "
    "Please reload the page and try again."
)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, description: str | None = None):
    title = ERROR_TITLES.get(code, ERROR_TITLES[500])
    help_text = description or ERROR_HELP.get(code, ERROR_HELP[500])
    if _wants_json():
        return jsonify({"error": str(title), "message": str(help_text), "status": code}), code
    return render_template("errors/error.html", code=code, title=title, help_text=help_text), code


def with_retry_after(rendered, exc: HTTPException):
    """A rendered error page, with the Retry-After header of a 429 or 503 that has one."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is None:
        return rendered
    response = make_response(rendered)
    response.headers["Retry-After"] = str(retry_after)
    return response


def register(app: Flask) -> None:
    from awards.extensions import db

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError):
        return render_error(400, CSRF_HELP)

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        # Only our own short texts reach the page; werkzeug's default descriptions are generic.
        description = exc.description if getattr(exc, "awards_message", False) else None
        return with_retry_after(render_error(exc.code or 500, description), exc)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return handle_http(exc)
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            return render_error(503)
        return render_error(500)
