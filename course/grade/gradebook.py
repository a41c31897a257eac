"""Where the gradebook is (SQLite file or PostgreSQL server), and getting it ready before workers start.

The URL comes from, first to last: `--db-url`, the `NBGRADER_DB_URL` environment variable (how a hub
or a Kubernetes secret hands a password to the instructor's server), `c.CourseDirectory.db_url` in a
config file, else nbgrader's default `gradebook.db` in the course folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from course.errors import GradebookError
from course.programs import scripts_on_path

ENV_VAR = "NBGRADER_DB_URL"
DRIVERS = {  # SQLAlchemy dialect+driver -> what to install when its module is missing
    "postgresql+psycopg": "'psycopg[binary]' (a dependency of this package: reinstall it)",
    "postgresql+psycopg2": "psycopg2-binary, or write postgresql+psycopg:// to use psycopg 3",
}


def normalize(url: str) -> str:
    """Name the driver this package ships: a bare `postgresql://` means psycopg 2 on SQLAlchemy 2.0."""
    url = url.strip()
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare):]
    return url


def from_env() -> str | None:
    value = os.environ.get(ENV_VAR, "").strip()
    return normalize(value) if value else None


def shown(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: say so where it is used
        return url


def check(url: str) -> None:
    """Fail early, with the fix, on a URL nbgrader cannot use (rather than once per submission)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise GradebookError(f"gradebook URL {url!r} is not a database URL; write e.g. sqlite:///gradebook.db or "
                          f"postgresql+psycopg://user@host:5432/dbname (from --db-url, {ENV_VAR} or "
                          "c.CourseDirectory.db_url)") from None
    name = parsed.drivername
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise GradebookError(f"gradebook URL {shown(url)}: SQLAlchemy knows no database kind {name!r}; "
                          "use sqlite:/// or postgresql+psycopg://") from None
    except ImportError as exc:
        install = DRIVERS.get(name, f"the Python driver for {name}")
        raise GradebookError(f"gradebook URL {shown(url)} needs the Python module {exc.name!r}: "
                          f"pip install {install}") from None


def is_file_db(url: str) -> bool:
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    return Path(make_url(url).database) if is_file_db(url) and make_url(url).database else None


def exists(url: str) -> bool:
    """A server gradebook is assumed to be there (connecting is the real test); a file must exist."""
    if not is_file_db(url):
        return True
    path = sqlite_path(url)
    return path is not None and path.is_file()


def _cannot_open(url: str, exc: Exception) -> GradebookError:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    fix = ("check that it is the course's gradebook (nbgrader's gradebook.db)" if is_file_db(url) else
           "check that the database server is running and the user, password and database name are right")
    return GradebookError(f"cannot open the gradebook at {shown(url)}: {reason}; {fix} (the URL comes from "
                          f"--db-url, {ENV_VAR} or c.CourseDirectory.db_url)")


def reachable(url: str) -> None:
    """Fail, with the fix, when a gradebook cannot be opened: a file that is not a SQLite database, a
    server that does not answer or refuses the login. A SQLite file not made yet passes (nbgrader makes it)."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import DBAPIError

    if is_file_db(url) and not exists(url):
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            inspect(conn).get_table_names()  # reads the schema: SQLite checks the file only when it is read
    except DBAPIError as exc:
        raise _cannot_open(url, exc) from None
    finally:
        engine.dispose()


def prepare(url: str, course_id: str, assignments: list[str]) -> None:
    """Create the tables once, before any worker opens the gradebook, and check each assignment is in it.

    nbgrader creates missing tables whenever it opens a gradebook; four workers doing that at once on
    an empty PostgreSQL database collide (duplicate key on pg_type), and every submission fails.
    """
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import OperationalError

    check(url)
    reachable(url)
    scripts_on_path()
    try:
        with Gradebook(url, course_id) as gb:  # the course id the workers use, or nbgrader adds another
            missing = []
            for name in assignments:
                try:
                    gb.find_assignment(name)
                except MissingEntry:
                    missing.append(name)
    except OperationalError as exc:
        raise _cannot_open(url, exc) from None
    if missing:
        raise GradebookError(
            f"the gradebook at {shown(url)} has no assignment {', '.join(missing)}: nbgrader adds an assignment "
            f"to the gradebook when it is generated; run `nbgrader generate_assignment NAME` (or Generate in "
            f"the formgrader) with this gradebook configured, then grade again")


def share_engines() -> None:
    """In a grading process: one SQLAlchemy engine per gradebook URL instead of one per gradebook open.

    nbgrader opens the gradebook about eleven times per submission, and each open makes a new engine,
    whose statement cache starts empty: compiling the same SQL again costs more than running it
    (benchmarks/grading.py). nbgrader looks `create_engine` up in its own module when it opens a
    gradebook, so setting it there is enough; `Gradebook.close` still disposes of the connections, and
    an engine reconnects when next used.
    """
    import nbgrader.api
    from sqlalchemy import create_engine

    if getattr(nbgrader.api.create_engine, "shared", False):
        return
    engines: dict[tuple, object] = {}

    def shared(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in engines:
            engines[key] = create_engine(url, **options)
        return engines[key]

    shared.shared = True
    nbgrader.api.create_engine = shared
