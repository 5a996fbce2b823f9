"""Fixtures for the account tests."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import other_apps
from tests.factories import PASSWORD


@pytest.fixture
def register_form():
    def _fields(**overrides):
        fields = {
            "name": "Ana Lucía Gómez",
            "email": "ana.gomez@bogota.gov.co",
            "password": PASSWORD,
            "confirm": PASSWORD,
        }
        fields.update(overrides)
        return fields

    return _fields


@pytest.fixture
def make_app(app):
    with other_apps(app) as make:
        yield make
