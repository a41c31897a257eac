"""Grading on the task engine (`course grade --engine`): its cost against the local pool, and how it scales.

    python benchmarks/engine.py [--size 24] [--workers 2] [--rounds 3] [--curve 2,4,8,16] [--tasks 128] [--sleep 1.0]

1. The same synthetic class is graded, in the same run, by the local pool (`--jobs W`) and by the engine
   (a Dask scheduler and W `course worker` processes on this machine), both into PostgreSQL: the engine's
   cost per submission against the pool's (target: at most 10% more).
2. Throughput with 1 to 16 workers: the engine's whole path (planning, shipping files, the ledger in
   PostgreSQL, results back) with nbgrader replaced by a sleep, so only the engine's own cost and its
   scaling are measured (a 2-core machine cannot run 16 real kernels at once).
A throw-away PostgreSQL server is started on 127.0.0.1 (Debian's postgresql, as tests/helpers.py does).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, synthetic_class, timed

sys.path.insert(0, str(ROOT / "tests"))
from helpers import free_port, new_database, postgres_server  # noqa: E402

from course.grade import batch, gradebook  # noqa: E402
from course.grade.engine import grade_on_engine  # noqa: E402

ASSIGNMENT = "02-proper-language"
COURSE = Path(sys.executable).parent / "course"


def _generate(course: Path, url: str) -> None:
    result = batch.make_api(course, url).generate_assignment(ASSIGNMENT, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(result.get("log"))


def _wait_registered(log: Path, count: int) -> None:
    deadline = time.monotonic() + 180
    while log.read_text().count("Registered to") < count:
        if time.monotonic() > deadline:
            raise RuntimeError(log.read_text())
        time.sleep(0.2)


def engine_against_pool(tmp: Path, server: str, size: int, workers: int, rounds: int) -> None:
    pool_course = synthetic_class(tmp / "pool", ASSIGNMENT, size)
    engine_course = tmp / "engine" / "course"
    shutil.copytree(pool_course, engine_course)
    pool_db, engine_db = new_database(server, "pool"), new_database(server, "engine")
    _generate(pool_course, pool_db)
    _generate(engine_course, engine_db)
    env = {**os.environ, gradebook.ENV_VAR: engine_db}
    url = f"tcp://127.0.0.1:{free_port()}"
    log = tmp / "engine.log"
    processes = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                   "--port", url.rsplit(":", 1)[1], "--no-dashboard"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        with open(log, "w") as out:
            processes.append(subprocess.Popen([str(COURSE), "worker", url, "--nworkers", str(workers), "--sandbox",
                                               "auto", "--dir", str(tmp / "workers")], env=env, cwd=tmp,
                                              stdout=subprocess.DEVNULL, stderr=out))
        _wait_registered(log, workers)
        results, pools, engines = {}, [], []
        for _round in range(rounds):  # in turn, keeping each side's best: this machine's noise is larger than 10%
            pools.append(timed(lambda: results.__setitem__("pool", batch.grade(
                pool_course, ASSIGNMENT, jobs=workers, db_url=pool_db))))
            engines.append(timed(lambda: results.__setitem__("engine", grade_on_engine(
                engine_course, {ASSIGNMENT: None}, url, db_url=engine_db, regrade=True)[ASSIGNMENT])))
        pool, engine = min(pools), min(engines)
    finally:
        for process in processes:
            process.terminate()
            process.wait(60)
    graded = {name: len(summary.graded) for name, summary in results.items()}
    for name, summary in results.items():
        for outcome in summary.failed:
            print(f"  {name} failed {outcome.student}: {outcome.error}")
    print(f"submissions: {size}, workers: {workers}, graded (pool, engine): {graded['pool']}, {graded['engine']}; "
          f"best of {rounds} rounds each, in turn")
    print(f"local pool, `course grade --jobs {workers}`:       {pool:6.1f} s  ({pool * workers / size:.2f} "
          "worker-s per submission)")
    print(f"engine, {workers} `course worker` on this machine: {engine:6.1f} s  ({engine * workers / size:.2f} "
          "worker-s per submission)")
    ratio = engine / pool
    print(f"engine cost / pool cost: {ratio:.2f}x (target <= 1.10)  {'MET' if ratio <= 1.10 else 'NOT MET'}")


def _sleep_instead_of_nbgrader(seconds: float) -> None:
    """Run in each worker process: grading becomes a sleep (the engine's path around it stays)."""
    from course.grade import batch, engine_worker

    def grade(_api, _assignment, student, _feedback=True):
        time.sleep(seconds)
        return batch.Outcome(student, True, seconds)

    engine_worker.batch.grade_with = grade
    engine_worker._api = lambda root, url: None


def throughput_curve(tmp: Path, server: str, counts: list[int], tasks: int, seconds: float) -> None:
    from distributed import Client, LocalCluster

    course = synthetic_class(tmp / "curve", ASSIGNMENT, tasks)
    db = new_database(server, "curve")
    _generate(course, db)
    os.environ[gradebook.ENV_VAR] = db  # the workers' setting (they start with this environment)
    print(f"\nthroughput, {tasks} submissions that each sleep {seconds} s instead of grading:")
    ideal = tasks * seconds  # one worker doing nothing but the sleeps
    print(f"workers   seconds   submissions/s   speed-up against one worker's ideal {ideal:.0f} s   efficiency")
    for count in counts:
        with LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None,
                          scheduler_kwargs={"host": "127.0.0.1"}) as cluster, Client(cluster) as client:
            client.run(_sleep_instead_of_nbgrader, seconds)
            wall = timed(lambda: grade_on_engine(course, {ASSIGNMENT: None}, cluster.scheduler_address, db_url=db,
                                                 regrade=True))
        speedup = ideal / wall
        print(f"{count:7d}   {wall:7.1f}   {tasks / wall:13.1f}   {speedup:46.2f}x   {speedup / count:10.0%}")
    print("(the seconds include the whole batch: planning, intake, connecting, the summary)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--curve", default="2,4,8,16")
    parser.add_argument("--tasks", type=int, default=128)
    parser.add_argument("--sleep", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, postgres_server() as server:
        engine_against_pool(Path(tmp) / "cost", server, args.size, args.workers, args.rounds)
        throughput_curve(Path(tmp) / "curve", server, [int(n) for n in args.curve.split(",")], args.tasks, args.sleep)


if __name__ == "__main__":
    main()
