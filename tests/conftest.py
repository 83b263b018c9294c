"""Fixtures for the whole suite. See tests/fixtures/ for how databases are made.

- ``pg_url`` / ``sqlite_url``: migrated databases for this test session (PostgreSQL is created and dropped).
- ``database``: parametrized over both dialects; every session of one test joins one outer transaction
  that is rolled back afterwards (a savepoint per commit).
- ``pg_committed``: real commits on PostgreSQL for races between connections; tables are emptied after.
- ``settings`` / ``app`` / ``client``: the app built by its factory on the test's ``database``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from pydantic import SecretStr

from service.app import create_app
from service.db.base import utcnow
from service.db.engine import Database
from service.identity.principal import Principal, Role
from service.identity.tokens import TokenService
from service.ledger.service import Ledger
from service.services import start_services, stop_services
from service.settings import AttestationSettings, AuthSettings, Settings
from tests.fixtures import problems
from tests.fixtures.databases import (
    assert_books_hold,
    assert_rollups_match_actions,
    create_pg_database,
    drop_pg_database,
    engine_for,
    migrate,
    redis_url,
    rolled_back,
    truncate_all,
)

# Read before the session's environment is cleaned of TANBI_ variables.
RECORD_PROBLEMS_TO = os.environ.get("TANBI_RECORD_PROBLEMS")
TEST_KEYS = {"t1": SecretStr("test-signing-key-" + "x" * 32)}
# A fixed Ed25519 key (PKCS#8 PEM of the seed 01 01 ... 01) that signs residents' attestations in tests.
TEST_ATTESTATION_KEYS = {
    "test-a1": SecretStr(
        "-----BEGIN PRIVATE KEY-----\n"
        "MC4CAQAwBQYDK2VwBCIEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n"
        "-----END PRIVATE KEY-----\n"
    )
}


@pytest.fixture(scope="session", autouse=True)
def _clean_environment() -> None:
    # A developer's TANBI_* variables must not leak into the settings the tests build.
    for name in list(os.environ):
        if name.startswith("TANBI_") and not name.startswith("TANBI_TEST_"):
            del os.environ[name]


@pytest.fixture(scope="session")
async def pg_url() -> AsyncIterator[str]:
    url = await create_pg_database()
    try:
        await migrate(url)
        yield url
    finally:
        await drop_pg_database(url)


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sqlite") / "tanbi.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate(url)
    return url


@pytest.fixture(scope="session")
async def pg_engine(pg_url: str):  # type: ignore[no-untyped-def]
    engine = engine_for(pg_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def sqlite_engine(sqlite_url: str):  # type: ignore[no-untyped-def]
    engine = engine_for(sqlite_url)
    yield engine
    await engine.dispose()


@pytest.fixture(params=["postgres", "sqlite"])
async def database(request: pytest.FixtureRequest, pg_engine, sqlite_engine) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    engine = pg_engine if request.param == "postgres" else sqlite_engine
    async with rolled_back(
        engine, check_rollups=_checks_rollups(request), check_books=_checks_books(request)
    ) as db:
        yield db


@pytest.fixture
async def pg_database(request: pytest.FixtureRequest, pg_engine) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    async with rolled_back(
        pg_engine, check_rollups=_checks_rollups(request), check_books=_checks_books(request)
    ) as db:
        yield db


def _checks_rollups(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("tampers_with_actions") is None


def _checks_books(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("tampers_with_books") is None


@pytest.fixture
async def pg_committed(pg_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    # 20 + 20 overflow: many racers queue on the pool, well under PostgreSQL's 100 connections.
    db = Database.from_url(pg_url, pool_size=20)
    try:
        yield db
        await assert_rollups_match_actions(db)
        if _checks_books(request):
            await assert_books_hold(db)
    finally:
        await truncate_all(db.engine)
        await db.dispose()


def make_settings(tmp_path: Path, database_url: str | None, **overrides: object) -> Settings:
    overrides.setdefault("attestations", AttestationSettings(keys=TEST_ATTESTATION_KEYS))
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        auth=AuthSettings(
            jwt_keys=TEST_KEYS,
            active_kid="t1",
            hash_key=SecretStr("test-hash-key"),
            secrets_key=SecretStr("test-secrets-key"),
            dev_login=True,
        ),
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    url = database.engine.url.render_as_string(hide_password=False)
    return make_settings(tmp_path, None if database.dialect == "sqlite" else url)


@pytest.fixture
def ledger_settings(settings: Settings):  # type: ignore[no-untyped-def]
    return settings.ledger


@pytest.fixture
async def app(settings: Settings, database: Database) -> AsyncIterator[Litestar]:
    # The lifespan is not entered here: its task-bound context cannot span pytest-asyncio's fixture
    # setup and teardown (they run in different tasks). The services it would start are started directly.
    application = create_app(settings, database=database, periodic=False)
    application.state.services = await start_services(settings, database, periodic=False)
    # Sessions of one test share a connection: jobs run only when the test drains the queue.
    application.state.services.queue.run_immediately = False
    try:
        yield application
    finally:
        await stop_services(application.state.services)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    hooks = {"response": [problems.recorder(app)]}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://tanbi.test", event_hooks=hooks
    ) as http:
        yield http


@pytest.fixture
def tokens(settings: Settings) -> TokenService:
    return TokenService(settings.auth)


@pytest.fixture
def bearer(tokens: TokenService):  # type: ignore[no-untyped-def]
    """``bearer(role, subject)`` -> Authorization headers with a freshly minted access token."""

    def make(role: Role, subject: str = "1") -> dict[str, str]:
        token = tokens.issue_access(Principal(subject, role), utcnow())
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def test_redis_url() -> str:
    return redis_url()


@pytest.fixture
def unique_queue() -> str:
    return f"tanbi-test:{uuid.uuid4().hex[:10]}"


def ledger_for(session, settings: Settings, clock=utcnow) -> Ledger:  # type: ignore[no-untyped-def]
    return Ledger(session, settings.ledger, settings.zone, clock=clock)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The OpenAPI document must list every problem the suite saw an operation answer."""
    if RECORD_PROBLEMS_TO:
        problems.dump(RECORD_PROBLEMS_TO)
    if not problems.SEEN:
        return
    from litestar._openapi.plugin import OpenAPIPlugin

    app = create_app(make_settings(Path("/nonexistent"), None), periodic=False)
    missing = problems.undocumented(app.plugins.get(OpenAPIPlugin).provide_openapi_schema())
    if missing:
        print("\nproblems the OpenAPI document does not list (service/http/problem_codes.py):")
        print("\n".join(f"  {line}" for line in missing))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
