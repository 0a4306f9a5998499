"""Stable record keys: derived from natural ids with the deployment's secret.

The same extract gets the same keys, hence the same published numbers, on any database
and backend; another secret gives other keys; the secret is kept where the docs say.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

import pytest
from sqlalchemy import create_engine, select

from data_access import schema
from data_access.demo import DemoSpec
from data_access.keys import (
    SECRET_FILENAME,
    SecretError,
    contacts_id,
    load_secret,
    record_key,
)
from data_access.load import build_demo, import_extract
from data_access.query import DataAccess
from tests.conftest import TEST_AS_OF, TEST_SECRET
from tests.test_import import exported, snapshot  # noqa: F401  (fixture and helper)
from tests.test_import_pg import pg_import_url  # noqa: F401  (fixture)


def rows(url: str, table, *columns: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        got = [tuple(r) for r in conn.execute(select(*(table.c[c] for c in columns)))]
    engine.dispose()
    return sorted(got)


def test_ke001_key_is_the_first_four_bytes_of_the_hmac():
    digest = hmac.new(TEST_SECRET, b"case:C00000001", hashlib.sha256).digest()
    assert record_key(TEST_SECRET, "case", "C00000001") == int.from_bytes(digest[:4], "big")


def test_ke002_kinds_and_secrets_give_different_keys():
    keys = {
        record_key(TEST_SECRET, "case", "X1"),
        record_key(TEST_SECRET, "worksite", "X1"),
        record_key(TEST_SECRET, "contacts", "X1"),
        record_key(b"another-secret-of-enough-bytes", "case", "X1"),
    }
    assert len(keys) == 4 and all(0 <= k < 2**32 for k in keys)


def test_ke003_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown record kind 'audit'"):
        record_key(TEST_SECRET, "audit", "A1")


def test_ke004_secret_from_the_environment_as_hex_or_text(tmp_path):
    assert load_secret({"RECORD_KEY_SECRET": "ab" * 16}, tmp_path) == bytes.fromhex("ab" * 16)
    text = "a passphrase of some length"
    assert load_secret({"RECORD_KEY_SECRET": text}, tmp_path) == text.encode()
    assert not (tmp_path / SECRET_FILENAME).exists()


def test_ke005_short_secret_is_refused(tmp_path):
    with pytest.raises(SecretError, match="at least 16 bytes"):
        load_secret({"RECORD_KEY_SECRET": "short"}, tmp_path)


def test_ke006_first_writer_creates_a_private_secret_file_and_later_ones_reuse_it(tmp_path):
    first = load_secret({}, tmp_path)
    path = tmp_path / SECRET_FILENAME
    assert len(first) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret({}, tmp_path) == first


def test_ke007_a_reader_never_invents_a_secret(tmp_path):
    with pytest.raises(SecretError, match="no record-key secret"):
        load_secret({}, tmp_path, create=False)
    assert not (tmp_path / SECRET_FILENAME).exists()


def test_ke008_imported_keys_are_derived_from_the_natural_ids(exported, tmp_path):  # noqa: F811
    url = f"sqlite:///{tmp_path}/k.sqlite3"
    import_extract(url, exported, secret=TEST_SECRET)
    for case_id, key in rows(url, schema.cases, "case_id", "record_key"):
        assert key == record_key(TEST_SECRET, "case", case_id)
    for wid, key in rows(url, schema.worksites, "worksite_id", "record_key"):
        assert key == record_key(TEST_SECRET, "worksite", wid)
    columns = ("month", "channel", "language", "nationality")
    for *natural, key in rows(url, schema.contacts, *columns, "record_key"):
        assert key == record_key(TEST_SECRET, "contacts", contacts_id(dict(zip(columns, natural))))


def test_ke009_the_same_extract_publishes_the_same_numbers_on_a_fresh_database(
    exported,  # noqa: F811
    tmp_path,
):
    urls = [f"sqlite:///{tmp_path}/{name}.sqlite3" for name in ("a", "b")]
    # One database has a history (the extract loaded after a demo), one has none.
    build_demo(urls[0], DemoSpec(cases=1_000, seed=99, last_month=TEST_AS_OF), secret=TEST_SECRET)
    for url in urls:
        import_extract(url, exported, secret=TEST_SECRET)
    assert snapshot(urls[0])["key_sums"] == snapshot(urls[1])["key_sums"]
    answers = [DataAccess(url).aggregate("cases", ("country", "year")).rows for url in urls]
    assert answers[0] == answers[1]


def test_ke010_another_secret_gives_other_keys(exported, tmp_path):  # noqa: F811
    urls = [f"sqlite:///{tmp_path}/{name}.sqlite3" for name in ("a", "b")]
    import_extract(urls[0], exported, secret=TEST_SECRET)
    import_extract(urls[1], exported, secret=b"a rotated secret, also 16+ bytes")
    keys = [dict(rows(url, schema.cases, "case_id", "record_key")) for url in urls]
    assert keys[0].keys() == keys[1].keys()
    assert sum(keys[0][c] != keys[1][c] for c in keys[0]) > 0.99 * len(keys[0])


def test_ke011_postgresql_gets_the_same_keys_as_sqlite(exported, pg_import_url, tmp_path):  # noqa: F811
    url = f"sqlite:///{tmp_path}/k.sqlite3"
    import_extract(url, exported, secret=TEST_SECRET)
    import_extract(pg_import_url, exported, secret=TEST_SECRET)
    for table, column in (
        (schema.cases, "case_id"),
        (schema.worksites, "worksite_id"),
        (schema.contacts, "month"),
    ):
        assert rows(url, table, column, "record_key") == rows(
            pg_import_url, table, column, "record_key"
        )


def test_ke012_audit_tables_carry_the_worksites_own_key(exported, tmp_path):  # noqa: F811
    url = f"sqlite:///{tmp_path}/k.sqlite3"
    import_extract(url, exported, secret=TEST_SECRET)
    keys = dict(rows(url, schema.worksites, "worksite_id", "record_key"))
    for table in (schema.audit_reports, schema.audit_case_reports):
        pairs = rows(url, table, "worksite_id", "worksite_key")
        assert pairs and all(key == keys[wid] for wid, key in pairs)
