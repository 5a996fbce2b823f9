"""Static files: versioned addresses, a year in the browser's cache for the current version only."""

import re

from awards.core.static_files import ONE_YEAR, file_version


def test_pages_link_their_assets_by_version_and_browsers_keep_them_a_year(client, app):
    html = client.get("/login").get_data(as_text=True)
    links = re.findall(r'/static/([^"?]+)\?v=([0-9a-f]{12})"', html)
    assert ("css/app.css", file_version(app.static_folder, "css/app.css")) in links

    current = client.get(f"/static/css/app.css?v={file_version(app.static_folder, 'css/app.css')}")
    assert current.status_code == 200
    assert current.headers["Cache-Control"] == f"public, max-age={ONE_YEAR}"


def test_an_old_or_missing_version_is_checked_again_each_time(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert "max-age=31536000" not in response.headers.get("Cache-Control", "")


def test_the_version_follows_the_content(tmp_path):
    (tmp_path / "site.css").write_text("body { color: black }")
    (tmp_path / "copy.css").write_text("body { color: black }")
    (tmp_path / "other.css").write_text("body { color: navy }")

    same = file_version(str(tmp_path), "site.css")
    assert re.fullmatch(r"[0-9a-f]{12}", same)
    assert file_version(str(tmp_path), "copy.css") == same
    assert file_version(str(tmp_path), "other.css") != same


def test_names_outside_the_folder_or_not_files_have_no_version(tmp_path):
    (tmp_path / "dir").mkdir()
    assert file_version(str(tmp_path), "../etc/passwd") is None
    assert file_version(str(tmp_path), "/dev/zero") is None
    assert file_version(str(tmp_path), "dir") is None
    assert file_version(str(tmp_path), "missing.css") is None
