"""The test database from a template: migrations run once per schema, not once per process and run.

Creating the test database means running every migration (15 s of CPU on SQLite, and more as
the product grows), once per pytest-xdist process, at every ``make test`` and four more times in
``make test-clock``. The first process that needs it migrates as usual, then keeps a copy (a
file beside the test database on SQLite, a ``TEMPLATE`` database on PostgreSQL) named after a
hash of what the schema is made of: every migration file, the modules of ours they import, the
pinned requirements (third-party migrations) and the database engine. The other processes and the
next runs start from a copy of it, then let Django's ``migrate`` check that nothing is left to
apply. Change a migration and the name changes: the next run migrates again and replaces it.

``PORTAL_TEST_TEMPLATE=0`` turns it off (every process migrates, as pytest-django does).
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import os
import shutil
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections

PREFIX = "portal_test_template_"


def enabled() -> bool:
    return os.environ.get("PORTAL_TEST_TEMPLATE", "1") != "0"


def _our_imports(path: Path, packages: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        found |= {name for name in names if name.split(".")[0] in packages and ".migrations" not in name}
    return found


def schema_key(engine: str) -> str:
    """A short hash of everything the migrated schema and its rows depend on."""
    base = Path(settings.BASE_DIR)
    packages = {path.parent.name for path in base.glob("*/apps.py")}
    migrations = sorted(base.glob("*/migrations/*.py"))
    modules = set()
    for path in migrations:
        modules |= _our_imports(path, packages)
    sources = [*migrations, *(base / (module.replace(".", "/") + ".py") for module in sorted(modules)),
               base / "requirements.txt"]
    digest = hashlib.sha256(engine.encode())
    for path in sources:
        if path.exists():
            digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def _lock(name: str):
    """One process at a time makes or copies the template (the xdist processes of this machine)."""
    folder = Path(settings.BASE_DIR) / "var"
    folder.mkdir(exist_ok=True)
    with (folder / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ------------------------------------------------------------------------------------ SQLite


def _sqlite_paths(alias: str) -> tuple[Path, Path]:
    connection = connections[alias]
    test_name = Path(connection.creation._get_test_db_name())
    key = schema_key(connection.settings_dict["ENGINE"])
    return test_name, test_name.with_name(f"{PREFIX}{key}.sqlite3")


def _sqlite_before(alias: str) -> bool:
    test_name, template = _sqlite_paths(alias)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{test_name}{suffix}").unlink(missing_ok=True)
    if template.exists():
        shutil.copyfile(template, test_name)
        return True
    return False


def _sqlite_after(alias: str) -> None:
    test_name, template = _sqlite_paths(alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    partial = template.with_suffix(f".{os.getpid()}.tmp")
    shutil.copyfile(test_name, partial)
    for old in template.parent.glob(f"{PREFIX}*.sqlite3"):
        old.unlink(missing_ok=True)
    partial.replace(template)


# -------------------------------------------------------------------------------- PostgreSQL


def _pg_names(alias: str) -> tuple[str, str]:
    connection = connections[alias]
    return connection.creation._get_test_db_name(), PREFIX + schema_key(connection.settings_dict["ENGINE"])


def _pg_execute(alias: str, *statements: str) -> list:
    connection = connections[alias]
    with connection._nodb_cursor() as cursor:
        results = []
        for statement in statements:
            cursor.execute(statement)
            results.append(cursor.fetchall() if cursor.description else None)
        return results


def _pg_before(alias: str) -> bool:
    test_name, template = _pg_names(alias)
    quote = connections[alias].ops.quote_name
    (rows,) = _pg_execute(alias, f"SELECT 1 FROM pg_database WHERE datname = '{template}'")  # noqa: S608
    _pg_execute(alias, f"DROP DATABASE IF EXISTS {quote(test_name)}")
    if not rows:
        return False
    try:
        _pg_execute(alias, f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(template)}")
    except DatabaseError:  # another checkout is replacing it: migrate as usual
        return False
    return True


def _pg_after(alias: str) -> None:
    """Keep the migrated database as the template (another checkout of the same server may have
    made it meanwhile: then it is there already), and drop the templates of older schemas that
    nobody is copying."""
    test_name, template = _pg_names(alias)
    quote = connections[alias].ops.quote_name
    connections[alias].close()  # a template must have no other session
    (others,) = _pg_execute(alias, f"SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'")  # noqa: S608
    for (name,) in others:
        with suppress(DatabaseError):
            _pg_execute(alias, f"DROP DATABASE IF EXISTS {quote(name)}")
    with suppress(DatabaseError):
        _pg_execute(alias, f"CREATE DATABASE {quote(template)} TEMPLATE {quote(test_name)}")


def _kind(alias: str) -> str | None:
    vendor = connections[alias].vendor
    return vendor if vendor in ("sqlite", "postgresql") else None


def before_setup(alias: str = "default") -> bool:
    """Put a copy of the template where the test database goes; True when there was one."""
    kind = _kind(alias)
    if kind is None:
        return False
    with _lock(PREFIX + kind):
        return _sqlite_before(alias) if kind == "sqlite" else _pg_before(alias)


def after_setup(alias: str = "default") -> None:
    """Keep the freshly migrated test database as the template of the next ones."""
    kind = _kind(alias)
    if kind is None:
        return
    with _lock(PREFIX + kind):
        _sqlite_after(alias) if kind == "sqlite" else _pg_after(alias)
