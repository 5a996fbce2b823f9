"""Helpers shared by every feature's forms."""

from __future__ import annotations

from flask_wtf import FlaskForm

from awards.errors import DomainError


def attach_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a service's refusal next to the field it concerns (or at the top of the form)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message] if field.errors else [exc.message]
    else:
        form.form_errors.append(exc.message)
