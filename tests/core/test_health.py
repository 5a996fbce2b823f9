from awards.storage import Storage


def test_healthz_reports_ok_when_database_and_storage_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "storage": "ok"}}


def test_healthz_names_storage_when_it_is_unreachable(app, client):
    healthy = app.extensions["awards_storage"]
    app.extensions["awards_storage"] = Storage(
        endpoint_url="http://127.0.0.1:9",  # discard port: nothing listens
        region="us-east-1",
        bucket="awards",
        access_key_id="x",
        secret_access_key="y",
        connect_timeout=1,
    )
    try:
        response = client.get("/healthz")
    finally:
        app.extensions["awards_storage"] = healthy
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "storage": "unavailable"},
    }


def test_healthz_names_database_when_it_is_unreachable(database_url, seaweed, smtp_server):
    from awards import create_app
    from config import TestConfig
    from tests.conftest import app_overrides

    overrides = app_overrides(database_url, seaweed, smtp_server)
    overrides["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"
    overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"connect_timeout": 2}}
    down_app = create_app(TestConfig, overrides)
    with down_app.app_context():
        down_app.extensions["awards_storage"].ensure_bucket()
    response = down_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "storage": "ok"},
    }


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_gets_the_apps_own_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"Guangzhou Award" in response.data


def test_bootstrap_is_served_from_our_own_origin(client):
    response = client.get("/static/vendor/bootstrap/css/bootstrap.min.css")
    assert response.status_code == 200
    assert b"Bootstrap" in response.data[:400]
