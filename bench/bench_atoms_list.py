"""Atoms list page benchmark: server time and SQL queries with 2,000 atoms, beside a baseline
of the same pages with 100 atoms (the shipped library's size) measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atomlab .venv/bin/python bench/bench_atoms_list.py

``make bench-atoms`` runs it against the test services. It creates its own scratch database
(``atomlab_bench_atoms`` on the server of ``DATABASE_URL``; the dev and test databases are
not touched), migrates it, seeds it, measures, and drops it. Each page is requested through
Django's test Client as a logged-in researcher with DEBUG off: the time is the server's
whole handling of the request (middleware, session, queries, template), median of
``--requests`` after a few warm-up requests. Prints a table and writes
``var/bench/atoms_list.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "var" / "bench" / "atoms_list.json"
SCRATCH_DB = "atomlab_bench_atoms"
TARGET_MS = 150.0

#: The pages measured: page 1 as the navigation opens it, and a filtered, searched, sorted
#: page (also as the htmx fragment the filter form fetches).
PAGES: list[tuple[str, str, dict[str, str]]] = [
    ("page 1", "/atoms/", {}),
    ("filtered + search", "/atoms/?q=list&status=valid&review=unreviewed&difficulty=2&sort=-updated", {}),
    (
        "filtered + search (htmx)",
        "/atoms/?q=list&status=valid&review=unreviewed&difficulty=2&sort=-updated",
        {"HTTP_HX_REQUEST": "true"},
    ),
    ("tag, page 2", "/atoms/?tag=digits&sort=slug&page=2", {}),
]


def _scratch_url(base: str) -> tuple[str, str]:
    """(scratch database URL, maintenance URL) on the server of ``base``."""
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"DATABASE_URL must be PostgreSQL for this benchmark, not {parts.scheme!r}")
    return (
        urlunsplit(parts._replace(path=f"/{SCRATCH_DB}")),
        urlunsplit(parts._replace(path="/postgres")),
    )


def _recreate(maintenance_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')


def _seed(total: int) -> None:
    """Grow the database to ``total`` atoms: copies of the library's 100 with numbered slugs,
    a realistic mix of statuses and review states, each with its variant and a revision."""
    from webapp.atoms.content import content_digest, spec_content
    from webapp.atoms.library import load_library
    from webapp.atoms.models import (
        Atom,
        AtomRevision,
        AtomVariant,
        ReviewState,
        RevisionReason,
        ValidationStatus,
    )

    specs = load_library()
    have = Atom.objects.count()
    atoms, contents = [], []
    for i in range(have, total):
        spec = specs[i % len(specs)]
        content = spec_content(spec)
        status = (
            ValidationStatus.INVALID
            if i % 10 == 3
            else ValidationStatus.UNVALIDATED
            if i % 20 == 7
            else ValidationStatus.VALID
        )
        verdict = (
            {"ok": False, "problems": ["5 cases; at least 6 are required"], "reference": None, "modify": None}
            if status == ValidationStatus.INVALID
            else {}
        )
        review = [
            ReviewState.UNREVIEWED,
            ReviewState.UNREVIEWED,
            ReviewState.APPROVED,
            ReviewState.NEEDS_WORK,
        ][i % 4]
        slug = spec.slug if i < len(specs) else f"{spec.slug}_{i:04d}"
        atoms.append(
            Atom(
                slug=slug,
                status=status,
                verdict=verdict,
                review_state=review,
                content_digest=content_digest(content),
                **{k: v for k, v in content.items() if k != "modify"},
            )
        )
        contents.append(content)
    created = Atom.objects.bulk_create(atoms, batch_size=500)
    AtomVariant.objects.bulk_create(
        [AtomVariant(atom=a, **c["modify"]) for a, c in zip(created, contents, strict=True)], batch_size=500
    )
    AtomRevision.objects.bulk_create(
        [
            AtomRevision(atom=a, number=1, reason=RevisionReason.CREATE, content=c, message="bench seed")
            for a, c in zip(created, contents, strict=True)
        ],
        batch_size=500,
    )


def _measure(client: Any, url: str, headers: dict[str, str], requests: int) -> dict[str, Any]:
    from django.db import connection

    for _ in range(3):  # warm the template cache and the connection
        assert client.get(url, **headers).status_code == 200
    # Count with an execute wrapper: the request_started signal empties the query log that
    # CaptureQueriesContext reads, so inside a request it would count nothing.
    sql: list[str] = []

    def count(execute: Any, query: str, params: Any, many: bool, context: Any) -> Any:
        sql.append(query)
        return execute(query, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p90_ms": round(times[int(0.9 * (len(times) - 1))], 2),
        "min_ms": round(times[0], 2),
        "queries": len(sql),
        "bytes": len(response.content),
        "requests": requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--atoms", type=int, default=2000, help="atoms in the measured library")
    parser.add_argument("--baseline", type=int, default=100, help="atoms in the baseline library")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (median)")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atomlab")
    scratch, maintenance = _scratch_url(base)
    _recreate(maintenance)
    os.environ["DATABASE_URL"] = scratch
    os.environ.setdefault("ATOMLAB_ENV", "test")
    os.environ["DEBUG"] = "false"  # as served: no query log, no debug template checks
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from webapp.accounts.models import User

    results: list[dict[str, Any]] = []
    try:
        call_command("migrate", verbosity=0)
        user = User.objects.create_user("bench", password="x", role="researcher")
        client = Client()
        client.force_login(user)
        for size in (args.baseline, args.atoms):
            _seed(size)
            with connections["default"].cursor() as cur:
                cur.execute("ANALYZE")  # fresh planner statistics, as autovacuum would keep them
            for name, url, headers in PAGES:
                results.append(
                    {"atoms": size, "page": name, "url": url, **_measure(client, url, headers, args.requests)}
                )
    finally:
        connections.close_all()
        _recreate(maintenance, drop_only=True)

    by_page: dict[str, dict[int, dict[str, Any]]] = {}
    for r in results:
        by_page.setdefault(r["page"], {})[r["atoms"]] = r
    print(
        f"\nAtoms list page: median server time over {args.requests} requests (Django test Client, DEBUG off)"
    )
    head = f"{'page':<26} {'atoms':>6} {'median ms':>10} {'p90 ms':>8} {'queries':>8}"
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r['page']:<26} {r['atoms']:>6} {r['median_ms']:>10.1f} {r['p90_ms']:>8.1f} {r['queries']:>8}"
        )
    bounded = all(p[args.baseline]["queries"] == p[args.atoms]["queries"] for p in by_page.values())
    worst = max(r["median_ms"] for r in results if r["atoms"] == args.atoms)
    print(
        f"\nslowest median at {args.atoms} atoms: {worst:.1f} ms (target < {TARGET_MS:.0f} ms): "
        f"{'OK' if worst < TARGET_MS else 'OVER'}"
    )
    print(f"query count the same at {args.baseline} and {args.atoms} atoms: {'yes' if bounded else 'NO'}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "benchmark": "atoms_list",
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "target_ms": TARGET_MS,
                "baseline_atoms": args.baseline,
                "atoms": args.atoms,
                "slowest_median_ms": worst,
                "queries_bounded": bounded,
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
