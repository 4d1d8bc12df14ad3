"""Engine and sessions for the store, and `upgrade` (Alembic) to create or migrate it."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeAlias

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from store.database_url import default_database_url
from store.errors import DatabaseUnavailable, InvalidInput
from store.redaction import redact, register_secret
from store.schema_version import MIGRATIONS_DIR, migration_heads


def redact_url(url: str) -> str:
    """The URL with any password hidden, safe for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Autocommit at the driver level so SQLAlchemy's "begin" hook below owns transactions.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: Where a repository function runs, inside its caller's transaction: an ORM session, or a
#: Core connection (Database.transaction) for the lifecycle's writes and plain reads.
Transaction: TypeAlias = Session | Connection

#: Execution option marking a connection that only reads (see Database.read_session).
READ_ONLY = "delegate_read_only"

#: PostgreSQL's row-level security policies (migrations 0006, unscoped_sees_no_tenant_rows)
#: narrow every tenant table to the organization in `app.org_id`. It is set for the
#: connection's session, outside any transaction (so no rollback can undo it), only when a
#: transaction asks for another organization than the connection is set to: a worker's run
#: after run of one organization sends it once, not once per transaction. '' names none (no
#: tenant rows), ALL_ORGANIZATIONS every organization.
_SET_ORGANIZATION = "SELECT set_config('app.org_id', %s, false)"
#: Connection info key: the organization the connection's session is set to ('' for none).
#: Absent when unknown (a failed set): the next transaction sets it again. The info dict
#: lives and dies with the driver's connection, so a reconnected one starts unset, as its
#: fresh session does.
_SCOPE = "delegate_org_scope"
#: The organization the connection being checked out now is for: Database's helpers set it
#: around the checkout; any other use of the engine (engine.connect(), migrations) asks for
#: none.
_requested_scope: ContextVar[str] = ContextVar("delegate_requested_scope", default="")

#: The organization a transaction names when it must see every organization on purpose (the
#: API-key lookup, finding an organization by name, the agents table, the tests' own queries).
#: Passed where an organization id goes: `db.session(ALL_ORGANIZATIONS)`. No org id equals it.
ALL_ORGANIZATIONS = "*"


#: A pooled PostgreSQL connection idle for longer than this is pinged before it is used.
PING_AFTER_IDLE_SECONDS = 5.0
_IDLE_SINCE = "delegate_idle_since"
#: How many write turns (Database._begin_sqlite) a SQLite connection's transaction holds.
_WRITER_TURNS = "delegate_writer_turns"


def _idle_from_now(_dbapi_conn: Any, record: Any) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _unscoped_session(_dbapi_conn: Any, record: Any) -> None:
    record.info[_SCOPE] = ""  # a new session has no app.org_id, which names none


def _scope_on_checkout(driver: Any, record: Any, _proxy: Any) -> None:
    """As the pool hands a PostgreSQL connection out: set its organization to the one asked
    for (`_requested_scope`: Database's helpers set it around the checkout; any other use
    asks for none), unless it is set to that one already.

    Sent in autocommit, outside any transaction: a session-level setting made that way stays
    whatever the transactions then do (commit, rollback, a failed commit), so the remembered
    value is always the session's. A failure here leaves it unknown; the pool then discards
    the connection."""
    info = record.info
    wanted = _requested_scope.get()
    if info.get(_SCOPE) == wanted:
        return
    info.pop(_SCOPE, None)
    autocommit = driver.autocommit
    driver.autocommit = True  # the pool hands out connections outside any transaction
    try:
        driver.execute(_SET_ORGANIZATION, (wanted,))
    finally:
        driver.autocommit = autocommit
    info[_SCOPE] = wanted


def _sqlite_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE takes SQLite's write lock up front, so two writers serialise instead of
    # both reading a row and one silently overwriting the other's update. Read-only sessions
    # begin deferred: in WAL mode they read a snapshot without waiting for any writer.
    # Sent on the driver's connection: this runs before every transaction and needs none of
    # SQLAlchemy's statement machinery; a driver error is wrapped as SQLAlchemy would.
    statement = "BEGIN" if conn.get_execution_options().get(READ_ONLY, False) else "BEGIN IMMEDIATE"
    try:
        conn.connection.driver_connection.execute(statement)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


class Database:
    """One database: its engine, a session factory, and its URL (never logged with secrets)."""

    def __init__(
        self, url: str | None = None, *, echo: bool = False, default_org_id: str | None = None
    ) -> None:
        self.url = url or default_database_url()
        #: What a transaction opened without an organization names: none for the application
        #: (refused; tests/unit/store/test_every_transaction_names_its_organization.py keeps
        #: its code naming one), ALL_ORGANIZATIONS for the tests' own queries.
        self.default_org_id = default_org_id
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise InvalidInput(
                f"DELEGATE_DATABASE_URL is not a database URL: {redact(str(exc))}"
            ) from None
        register_secret(parsed.password)  # never shown, wherever an error quotes the URL
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                folder = Path(parsed.database).expanduser().resolve().parent
                if not folder.is_dir():
                    raise DatabaseUnavailable(
                        f"cannot open {redact_url(self.url)}: folder {folder} does not exist"
                    )
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(
                pool_size=10,
                max_overflow=20,
                connect_args={"connect_timeout": 10},
            )
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise InvalidInput(f"cannot use database URL {redact_url(self.url)}: {exc}") from None
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", self._begin_sqlite)
            event.listen(self.engine, "commit", self._end_writer_turn)
            event.listen(self.engine, "rollback", self._end_writer_turn)
        else:
            event.listen(self.engine.pool, "connect", _unscoped_session)
            event.listen(self.engine.pool, "checkin", _idle_from_now)
            event.listen(self.engine.pool, "checkout", self._ping_if_idle)
            # After the ping (listeners run in order): a dead connection is replaced first.
            # A pool listener, not an engine one: any engine listener makes every statement
            # go through SQLAlchemy's event dispatch, a cost on each write of every run.
            event.listen(self.engine.pool, "checkout", _scope_on_checkout)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = self.engine.execution_options(**{READ_ONLY: True})
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        self._write_lock = threading.RLock()  # see _begin_sqlite
        self._on_dispose: list[Callable[[], None]] = []

    def _ping_if_idle(self, dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        """Ping a pooled connection that sat idle (a server restart or an idle timeout may
        have closed it); a dead one is replaced before use. A connection in steady use is not
        pinged: that would be one more round trip per transaction (pool_pre_ping's cost)."""
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = self.engine.dialect.do_ping(dbapi_conn)
        except Exception:
            alive = False
        if not alive:
            raise DisconnectionError("a pooled connection was closed while idle")

    @contextmanager
    def _failures_reported(self) -> Iterator[None]:
        """A database failure inside becomes DatabaseUnavailable naming the (redacted) URL."""
        try:
            yield
        except OperationalError as exc:
            raise DatabaseUnavailable(
                f"database {redact_url(self.url)} failed: {exc.orig}"
            ) from None

    def _named(self, org_id: str) -> str:
        """The organization a transaction is narrowed to (row-level security, PostgreSQL):
        `org_id`, else this database's default. A transaction that names none is refused
        (PostgreSQL would show it no tenant rows: migration unscoped_sees_no_tenant_rows)."""
        named = org_id or self.default_org_id
        if not named:
            raise TypeError(
                "a transaction must name its organization (an org id, or ALL_ORGANIZATIONS "
                "when it must see every organization on purpose)"
            )
        return named

    def _connect(self, engine: Engine, org_id: str) -> Connection:
        """A connection of `engine` for the rows of the organization `org_id` names
        (`_named`) on PostgreSQL (see _scope_on_checkout)."""
        with self._checking_out_for(org_id):
            return engine.connect()

    def _scope(self, session: Session, org_id: str) -> None:
        """Give `session` its connection now, for `org_id` (as `_connect`). On SQLite the
        session connects at its first statement (a writer takes the write lock only then)."""
        named = self._named(org_id)
        if self.is_sqlite:
            return
        with self._checking_out_for(named):
            session.connection()

    @contextmanager
    def _checking_out_for(self, org_id: str) -> Iterator[None]:
        """While open, a connection the pool hands out is set to the organization `org_id`
        names (`_named`; see _scope_on_checkout)."""
        requested = _requested_scope.set(self._named(org_id))
        try:
            yield
        finally:
            _requested_scope.reset(requested)

    def _begin_sqlite(self, conn: Any) -> None:
        """On SQLite, one write transaction of this process at a time, queued on a lock: a
        writer waiting on SQLite's own lock polls in sleeps of up to 100 ms, which left the
        lock idle most of the time when dozens of runs write at once (a worker fleet).

        Taken when the transaction really begins (a session begins at its first statement),
        just before SQLite's write lock, and given back as it commits or rolls back. Other
        processes still meet SQLite's busy timeout; after as long here, go on anyway."""
        if not conn.get_execution_options().get(READ_ONLY, False) and self._write_lock.acquire(
            timeout=30
        ):
            conn.info[_WRITER_TURNS] = conn.info.get(_WRITER_TURNS, 0) + 1
        try:
            _sqlite_begin(conn)
        except BaseException:
            self._end_writer_turn(conn)
            raise

    def _end_writer_turn(self, conn: Any) -> None:
        for _ in range(conn.info.pop(_WRITER_TURNS, 0)):
            self._write_lock.release()

    @contextmanager
    def session(self, org_id: str = "") -> Iterator[Session]:
        """A unit of work: commits on success, rolls back everything on any error.

        With `org_id`, PostgreSQL shows and accepts only that organization's rows in it."""
        with self._failures_reported(), self.sessions() as session, session.begin():
            self._scope(session, org_id)
            yield session

    @contextmanager
    def read_session(self, org_id: str = "") -> Iterator[Session]:
        """A session for reading only: on SQLite it takes no write lock. Nothing is committed:
        closing it hands the connection back to the pool, which rolls it back (an explicit
        rollback would first expire every object read, a third of the cost of a long list)."""
        with self._failures_reported(), self.read_sessions() as session:
            self._scope(session, org_id)
            yield session

    @contextmanager
    def transaction(self, org_id: str = "") -> Iterator[Connection]:
        """A Core connection in one transaction: commits on success, rolls back on any error.

        For the lifecycle's writes on every step of a run (store.execution), which need no
        ORM object: a Session costs about a third again of such a write."""
        with (
            self._failures_reported(),
            self._connect(self.engine, org_id) as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def read_transaction(self, org_id: str = "") -> Iterator[Connection]:
        """A Core connection for reading only (no write lock on SQLite); nothing is committed."""
        with self._failures_reported(), self._connect(self.read_engine, org_id) as conn:
            yield conn

    @contextmanager
    def autocommit(self, org_id: str = "") -> Iterator[Any]:
        """PostgreSQL: the driver's (psycopg's) connection of a pooled connection for `org_id`,
        in autocommit, for a write that is one statement and so its own transaction: one
        round trip, with no BEGIN or COMMIT to send or for the server to run
        (store.task_rows.change_alone). A connection the statement broke is dropped from the
        pool; a database that cannot be reached raises DatabaseUnavailable."""
        if self.is_sqlite:
            raise TypeError("autocommit() serves PostgreSQL; SQLite writes in a transaction")
        with self._failures_reported():
            with self._checking_out_for(org_id):
                pooled = self.engine.raw_connection()
            driver: Any = pooled.driver_connection
            try:
                driver.autocommit = True
                yield driver
            except BaseException:
                if driver.broken or driver.closed:
                    pooled.invalidate()
                raise
            finally:
                if not (driver.broken or driver.closed):
                    driver.autocommit = False  # as the pool's other users expect it
                pooled.close()

    def check_connection(self) -> None:
        """Raise DatabaseUnavailable with a clear reason if the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailable(
                f"cannot connect to database {redact_url(self.url)}: {reason}"
            ) from None

    def is_current(self) -> bool:
        """Whether the schema is at the newest migration (every command asks, so this reads
        the version table and the migration files without importing Alembic)."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return False
            current = {
                row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))
            }
        return current == migration_heads()

    def upgrade(self) -> None:
        """Create the schema or migrate it to the newest revision (Alembic `upgrade head`)."""
        from alembic import command

        self.check_connection()
        config = self._alembic_config()
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def ensure_schema(self) -> None:
        """Upgrade only when needed, so every command works on a brand-new database."""
        self.check_connection()
        if not self.is_current():
            self.upgrade()

    def _alembic_config(self) -> Any:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def on_dispose(self, close: Callable[[], None]) -> None:
        """Call `close` when this database is disposed: for connections to it that another
        client keeps (the learned store's pool)."""
        self._on_dispose.append(close)

    def dispose(self) -> None:
        while self._on_dispose:
            self._on_dispose.pop()()
        self.engine.dispose()


_databases: dict[str, Database] = {}


def share_database(db: Database) -> None:
    """Make `db` the instance get_database(db.url) returns, so code that holds a Database
    (a task runner) and the graph nodes it runs share one engine and connection pool."""
    _databases[db.url] = db


def get_database(url: str | None = None) -> Database:
    """One shared, migrated Database per URL in this process (graph nodes and the server)."""
    resolved = url or default_database_url()
    db = _databases.get(resolved)
    if db is None:
        db = Database(resolved)
        db.ensure_schema()
        _databases[resolved] = db
    return db
