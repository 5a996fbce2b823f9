import pytest

from tests.factories import CycleFactory, SecretariatFactory


@pytest.fixture
def staff(db):
    return SecretariatFactory(name="Li Wei")


@pytest.fixture
def cycle(db):
    return CycleFactory()


@pytest.fixture
def as_staff(login_as, staff):
    return login_as(staff)


@pytest.fixture(autouse=True)
def _request_context(app):
    """Services translate their messages, which needs a request (the locale comes from it)."""
    with app.test_request_context():
        yield
