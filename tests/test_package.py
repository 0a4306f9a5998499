"""/download/package.zip: the whole publication as a Frictionless data package, the same
protected values as the API, built once per data version."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from frictionless import validate

from dashboard import package
from dashboard.factory import create_app

LABEL = "Demonstration data: synthetic, not ILM figures"


@pytest.fixture(scope="module")
def app(small_url, tmp_path_factory):
    kept = tmp_path_factory.mktemp("packages")
    return create_app({"DATABASE_URL": small_url, "RELEASES_DIR": str(kept)})


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def archive(client) -> zipfile.ZipFile:
    response = client.get("/download/package.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


@pytest.fixture(scope="module")
def unpacked(archive, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("unpacked")
    archive.extractall(folder)
    return folder


@pytest.fixture(scope="module")
def descriptor(unpacked) -> dict:
    return json.loads((unpacked / "datapackage.json").read_text(encoding="utf-8"))


def test_dp001_frictionless_validates_the_package(unpacked):
    report = validate(str(unpacked / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "message"])[:10]


def test_dp002_every_table_is_the_api_answer_byte_for_byte(client, archive, descriptor):
    tables = [r for r in descriptor["resources"] if r["path"].startswith("data/")]
    assert len(tables) == len(package.tables()) - len(descriptor["refused_tables"])
    for resource in tables:
        measure = next(
            f["name"] for f in resource["schema"]["fields"] if f["name"] in package.measures()
        )
        by = [f["name"] for f in resource["schema"]["fields"]][:-1]
        query = f"measure={measure}&format=csv" + (f"&by={','.join(by)}" if by else "")
        answer = client.get(f"/api/v1/aggregates?{query}")
        assert answer.status_code == 200, query
        assert archive.read(resource["path"]) == answer.data, resource["path"]


def test_dp003_a_second_request_is_answered_without_rebuilding(app, client, archive):
    packages = app.server.extensions["ilm_packages"]
    builds = packages.builds
    assert builds == 1  # the module's first request built it
    again = client.get("/download/package.zip")
    assert again.status_code == 200
    assert packages.builds == builds
    assert zipfile.ZipFile(io.BytesIO(again.data)).namelist() == archive.namelist()
    # Another process of the same deployment finds it on disk.
    other = create_app(
        {"DATABASE_URL": app.server.config["DATABASE_URL"], "RELEASES_DIR": packages.folder}
    )
    assert other.server.test_client().get("/download/package.zip").data == again.data
    assert other.server.extensions["ilm_packages"].builds == 0


def test_dp004_the_package_carries_download_validators(client):
    response = client.get("/download/package.zip")
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert response.headers["X-Data-Version"]
    again = client.get("/download/package.zip", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_dp005_the_codebook_lists_every_code_the_tables_use(archive, descriptor):
    codebook = list(csv.DictReader(io.StringIO(archive.read("codebook.csv").decode())))
    listed = {(row["list"], row["code"]) for row in codebook}
    measures = {code for kind, code in listed if kind == "measure"}
    assert measures == set(package.measures())
    for resource in descriptor["resources"]:
        for field in resource.get("schema", {}).get("fields", []):
            for code in field.get("constraints", {}).get("enum", []):
                name = "country" if field["name"] in ("origin", "destination") else field["name"]
                assert (name, code) in listed, (resource["name"], field["name"], code)


def test_dp006_methodology_disclosure_citation_and_licence_are_in_the_package(
    archive, descriptor, client
):
    names = set(archive.namelist())
    assert {
        "methodology.md",
        "disclosure.json",
        "CITATION.txt",
        "LICENSE.txt",
        "README.md",
    } <= names
    rules = json.loads(archive.read("disclosure.json"))
    meta = client.get("/api/v1/meta").get_json()
    assert rules["k"] == meta["disclosure"]["k"] and rules["noise"] == meta["disclosure"]["noise"]
    assert descriptor["licenses"][0]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "CC BY 4.0" in archive.read("LICENSE.txt").decode()


def test_dp007_demonstration_data_is_labelled_in_the_package(archive, descriptor, client):
    assert descriptor["synthetic"] is True and descriptor["title"].startswith(LABEL)
    assert archive.read("README.md").decode().startswith(f"**{LABEL}.**")
    first = archive.read("data/cases-by-country.csv").decode().splitlines()[0]
    assert first == f"# {LABEL}"
    disposition = client.get("/download/package.zip").headers["Content-Disposition"]
    assert "-synthetic.zip" in disposition


def test_dp008_an_imported_extract_is_not_labelled(imported_url, tmp_path):
    app = create_app({"DATABASE_URL": imported_url, "RELEASES_DIR": str(tmp_path)})
    body = app.server.test_client().get("/download/package.zip").data
    archive = zipfile.ZipFile(io.BytesIO(body))
    descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["synthetic"] is False
    assert "synthetic" not in archive.read("README.md").decode().lower()
    assert not archive.read("data/cases-by-country.csv").decode().startswith("#")
    archive.extractall(tmp_path / "unpacked")
    assert validate(str(tmp_path / "unpacked" / "datapackage.json")).valid


def test_dp009_the_package_is_rate_limited_with_the_downloads(small_url, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": small_url,
            "RELEASES_DIR": str(tmp_path),
            "DOWNLOAD_RATE_LIMIT": "1 per minute",
        }
    )
    client = app.server.test_client()
    assert client.get("/download/overview/kpi-cases.csv").status_code in (200, 404)
    limited = client.get("/download/package.zip")
    assert limited.status_code == 429 and "Retry-After" in limited.headers
