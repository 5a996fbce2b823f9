"""Every endpoint declares who may use it; one that forgot fails here."""

from awards.accounts.permissions import ACCESS_ATTRIBUTE

# Static files are public by nature and served by Flask itself.
STATIC_ENDPOINTS = {"static", "core.vendor.static"}


def test_every_endpoint_declares_its_audience(app):
    undeclared = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in STATIC_ENDPOINTS and not hasattr(view, ACCESS_ATTRIBUTE)
    )
    assert undeclared == []


def test_access_declarations_name_known_audiences(app):
    known = {"public", "applicant", "judge", "secretariat", "admin"}
    for endpoint, view in app.view_functions.items():
        if endpoint in STATIC_ENDPOINTS:
            continue
        assert set(getattr(view, ACCESS_ATTRIBUTE)) <= known, endpoint
