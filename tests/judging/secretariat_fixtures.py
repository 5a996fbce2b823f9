"""Fixtures shared by the secretariat's judging tests (imported by those modules, so that the
judges' own tests in this folder keep their own conftest)."""

import pytest

from tests.factories import SecretariatFactory


@pytest.fixture(autouse=True)
def request_context(app):
    """Services translate their messages, which needs a request (the locale comes from it)."""
    with app.test_request_context():
        yield


@pytest.fixture
def staff(db):
    return SecretariatFactory(name="Li Wei", email="li.wei@gz.example")


@pytest.fixture
def as_staff(login_as, staff):
    return login_as(staff)
