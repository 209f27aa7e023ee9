"""`shared.db.engine.read_url`: GET requests read PostgreSQL through asyncpg, with libpq's sslmode
passed on as asyncpg's ssl; a URL with an option asyncpg would not understand keeps its driver."""

from __future__ import annotations

import pytest
from sqlalchemy import make_url

from shared.db.engine import read_url


def test_a_plain_url_reads_through_asyncpg_with_the_same_credentials_and_database() -> None:
    url = read_url(make_url("postgresql+psycopg://app:s3cret@db.internal:5433/registry"))
    assert url.drivername == "postgresql+asyncpg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "app",
        "s3cret",
        "db.internal",
        5433,
        "registry",
    )
    assert dict(url.query) == {}


@pytest.mark.parametrize("mode", ["disable", "prefer", "require", "verify-ca", "verify-full"])
def test_sslmode_is_passed_on_as_ssl(mode: str) -> None:
    url = read_url(make_url(f"postgresql+psycopg://app@db/registry?sslmode={mode}"))
    assert url.drivername == "postgresql+asyncpg"
    assert dict(url.query) == {"ssl": mode}


@pytest.mark.parametrize(
    "option", ["connect_timeout=5", "application_name=registry", "sslmode=require&options=-c%20x=1"]
)
def test_an_option_asyncpg_does_not_take_keeps_the_url_as_it_is(option: str) -> None:
    original = make_url(f"postgresql+psycopg://app@db/registry?{option}")
    assert read_url(original) is original
