"""Time one freeze of a large snapshot: a 20,000-problem benchmark at 600 % (120,000 rows,
each a checked ProblemRecord, written as canonical lines). REPO is the checkout whose code
runs, so two checkouts can be compared in one session (run them interleaved; the machine is
shared). Each REPO needs its own scratch database: the migrations differ between branches.

    DATABASE_URL=sqlite:////tmp/freeze-a.sqlite3 .venv/bin/python bench/load_freeze.py .
    DATABASE_URL=sqlite:////tmp/freeze-b.sqlite3 .venv/bin/python bench/load_freeze.py /path/to/main

Prints wall and CPU seconds of the freeze alone (the benchmark import happens once, before)
and the snapshot's hash, which must be the same for both checkouts.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

PROBLEMS = 20_000


def main(repo: str) -> None:
    sys.path.insert(0, os.path.abspath(repo))
    os.chdir(repo)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from webapp.mixtures import services
    from webapp.mixtures.models import Benchmark
    from webapp.mixtures.recipe import Item

    settings.ARTIFACT_ROOT = tempfile.mkdtemp(prefix="atomlab-freeze-")
    call_command("migrate", verbosity=0)
    if not Benchmark.objects.filter(name="big").exists():
        path = Path(f"/tmp/atomlab-freeze-big-{PROBLEMS}.jsonl")
        with path.open("w") as fh:
            for i in range(PROBLEMS):
                problem = {
                    "task_id": f"B/{i}",
                    "prompt": f'def f{i}(x):\n    """Return x."""\n',
                    "canonical_solution": "    return x\n",
                    "test": "def check(c):\n    assert c(1) == 1\n",
                    "entry_point": f"f{i}",
                }
                fh.write(json.dumps(problem) + "\n")
        services.benchmark_import(name="big", data=path.read_bytes(), by=None)
    items = [Item(source="benchmark:big", ratio=Decimal(600), role="eval")]
    mixture = services.mixture_create(name=f"freeze-{time.time_ns()}", by=None, seed=1, items=items)
    wall, cpu = time.monotonic(), time.process_time()
    snapshot = services.snapshot_freeze(version=mixture.latest, by=None)
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    print(
        f"{repo}: freeze of {snapshot.rows:,} rows: wall {wall:.2f} s, cpu {cpu:.2f} s, "
        f"sha {snapshot.sha256[:12]}"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
