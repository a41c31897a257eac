"""Which submissions a batch on the task engine has graded, kept beside the grades in the gradebook.

One row per (course, assignment, student), in a table of its own in the gradebook database, so every
worker and the grader's machine see the same record:

- a worker *claims* a submission before grading it, which counts the attempt. A submission that
  killed or hung its worker has no result, so the engine hands it to another worker: once it has
  used up its tries, the claim refuses and the submission is reported as failed, never retried for ever;
- `course grade` marks it *done* only after its grades are in the gradebook and its files are in the
  course folder. A re-run skips what is done with the same fingerprint (the same submitted files,
  sources, settings and course code), so a stopped batch resumes where it stopped, and grading again is safe.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, inspect, select

TABLE = Table(
    "course_grading_ledger", MetaData(),
    Column("course_id", String(128), primary_key=True),
    Column("assignment", String(128), primary_key=True),
    Column("student", String(128), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("batch", String(64), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("state", String(16), nullable=False),  # grading, done or failed
    Column("error", Text, nullable=False, default=""),
    Column("worker", String(256), nullable=False, default=""),  # the engine worker that claimed it last
    Column("updated", DateTime(timezone=True), nullable=False),
)

_ENGINES: dict[str, object] = {}  # one SQLAlchemy engine (a connection pool) per URL and process


def _engine(url: str):
    if url not in _ENGINES:
        _ENGINES[url] = create_engine(url, pool_pre_ping=True)
    return _ENGINES[url]


def ensure(url: str) -> None:
    """Create the table when it is missing (nbgrader's own tables are left alone)."""
    TABLE.create(_engine(url), checkfirst=True)


def _key(course: str, assignment: str, student: str):
    return (TABLE.c.course_id == course) & (TABLE.c.assignment == assignment) & (TABLE.c.student == student)


def done(url: str, course: str, assignment: str) -> dict[str, str]:
    """student -> fingerprint, for the submissions of `assignment` a batch finished grading."""
    query = select(TABLE.c.student, TABLE.c.fingerprint).where(
        (TABLE.c.course_id == course) & (TABLE.c.assignment == assignment) & (TABLE.c.state == "done"))
    with _engine(url).connect() as conn:
        return dict(conn.execute(query).all())


def claim(url: str, course: str, assignment: str, student: str, fingerprint: str, batch: str,
          tries: int, worker: str = "") -> int | None:
    """Count one more attempt at grading this submission in this batch; None once `tries` are used up.

    The row is locked while it is read and written (SELECT ... FOR UPDATE on PostgreSQL), so two
    workers handed the same submission count two attempts, not one.
    """
    now = datetime.now(timezone.utc)
    with _engine(url).begin() as conn:
        row = conn.execute(select(TABLE).where(_key(course, assignment, student)).with_for_update()).first()
        same = row is not None and row.batch == batch and row.fingerprint == fingerprint
        attempts = (row.attempts if same else 0) + 1
        state = "grading" if attempts <= tries else "failed"
        values = {"fingerprint": fingerprint, "batch": batch, "attempts": attempts, "state": state, "updated": now,
                  "worker": worker[:256]}
        if row is None:
            conn.execute(TABLE.insert().values(course_id=course, assignment=assignment, student=student, error="",
                                               **values))
        else:
            conn.execute(TABLE.update().where(_key(course, assignment, student)).values(**values))
    return attempts if attempts <= tries else None


def settle(url: str, course: str, assignment: str, student: str, fingerprint: str, batch: str, ok: bool,
           error: str = "") -> None:
    """Record a submission's end: done (its grades and files are written), or failed with why."""
    values = {"fingerprint": fingerprint, "batch": batch, "state": "done" if ok else "failed",
              "error": error[:1000], "updated": datetime.now(timezone.utc)}
    with _engine(url).begin() as conn:
        if conn.execute(TABLE.update().where(_key(course, assignment, student)).values(**values)).rowcount == 0:
            conn.execute(TABLE.insert().values(course_id=course, assignment=assignment, student=student, attempts=0,
                                               worker="", **values))


def rows(url: str, course: str) -> list[dict]:
    """Every row of a course (none before the first batch), for tests and for a look at a batch from a notebook."""
    with _engine(url).connect() as conn:
        if not inspect(conn).has_table(TABLE.name):
            return []
        result = conn.execute(select(TABLE).where(TABLE.c.course_id == course).order_by(TABLE.c.assignment,
                                                                                           TABLE.c.student))
        return [dict(row._mapping) for row in result]
