"""Time and peak RSS of one mixture preview: 20 items of a 105,000-problem benchmark at 600 %
(issue 11: a viewer ran a 30 s, 535 MB preview of this). The first run imports the benchmark
into the database named by DATABASE_URL (a scratch SQLite file is fine). REPO is the
checkout whose code runs (this one, or another to compare).

    DATABASE_URL=sqlite:////tmp/preview.sqlite3 .venv/bin/python bench/load_mixture_preview.py .
"""

from __future__ import annotations

import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

PROBLEMS = 105_000
ITEMS = 20


def peak_mib() -> int:
    with open("/proc/self/status") as fh:
        line = next(row for row in fh if row.startswith("VmHWM"))
    return int(line.split()[1]) // 1024


def main(repo: str) -> None:
    sys.path.insert(0, os.path.abspath(repo))
    os.chdir(repo)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from webapp.mixtures import services
    from webapp.mixtures.models import Benchmark
    from webapp.mixtures.recipe import Item

    call_command("migrate", verbosity=0)
    if not Benchmark.objects.filter(name="big").exists():
        path = Path("/tmp/atomlab-preview-big.jsonl")
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
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak to the current RSS
    base = peak_mib()
    items = [Item(source="benchmark:big", ratio=Decimal(600), lang="en", role="eval")] * ITEMS
    started = time.monotonic()
    lines = services.mixture_preview(items=items)
    elapsed = time.monotonic() - started
    rows = sum(line.rows for line in lines)
    print(f"{repo}: preview of {ITEMS} x {PROBLEMS:,} at 600%: {elapsed:.2f} s, "
          f"peak RSS +{peak_mib() - base} MiB, rows {rows:,}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
