"""Uploads that used to hurt the web process: a gzip bomb in benchmark import (3 MB became
6.3 GB resident), a 220 MB atom import read whole (679 MB) before the 20 MB limit refused
it, and JSON nested 100,000 deep (an uncaught RecursionError: a 500). Each is sent to a real
``runserver`` process whose peak resident memory is measured around the request."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.webapp.atoms.helpers import editor_post, library_content
from tests.webapp.liveweb import REPO, live_web
from webapp.atoms.models import Atom
from webapp.mixtures.benchmarks import BenchmarkImportError, parse_benchmark
from webapp.mixtures.models import Benchmark

MiB = 1 << 20
#: What one upload may add to the web process at its peak. Streaming keeps it to a few
#: lines; before, the bombs below took 1.5 GB and the atom file 660 MB.
PEAK_BUDGET_KB = 120 * 1024
DEEP = "[" * 100_000 + "]" * 100_000


def gzip_bomb(decompressed: int, line: int) -> bytes:
    """``decompressed`` bytes of spaces in lines of ``line`` bytes, gzipped (~1000:1),
    built a MiB at a time so the test itself stays small."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    spaces = b" " * MiB
    out = []
    for written in range(0, decompressed, MiB):
        end_of_line = (written + MiB) % line == 0
        out.append(packer.compress(spaces[:-1] + b"\n" if end_of_line and line < decompressed else spaces))
    out.append(packer.flush())
    return b"".join(out)


def chunks_of(data: bytes, size: int = MiB) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def humaneval_path() -> Path:
    path = REPO / ".." / "shared" / "data" / "humaneval" / "HumanEval.jsonl.gz"
    if not path.exists():
        raise FileNotFoundError(f"HumanEval is missing: expected {path.resolve()}")
    return path


@pytest.fixture
def bombs() -> dict[str, bytes]:
    return {
        "one-line": gzip_bomb(512 * MiB, 512 * MiB),  # no newline at all
        "many-lines": gzip_bomb(512 * MiB, MiB),  # 512 blank-ish lines of 1 MiB
    }


@pytest.mark.django_db(transaction=True)
def test_a_gzip_bomb_is_refused_with_a_message_and_the_web_process_stays_small(
    researcher: Any, bombs: dict[str, bytes]
) -> None:
    expected = {
        "one-line": "line 1: longer than 4 MB; one problem is far smaller",
        "many-lines": "the file decompresses to more than 200 MB (stopped at line 201)",
    }
    with live_web(researcher) as web:
        for kind, bomb in bombs.items():
            assert len(bomb) < 2 * MiB  # a small upload...
            before = web.reset_peak()
            status, html = web.post_file(
                "/datasets/benchmarks/", {"name": "bomb"}, "file", "bomb.jsonl.gz", chunks_of(bomb), len(bomb)
            )
            grew = web.peak_kb() - before
            print(f"gzip bomb {kind}: {len(bomb)} bytes -> 512 MiB; web peak RSS grew {grew / 1024:.1f} MiB")
            assert status == 400, html[:2000]
            assert expected[kind] in html
            assert grew < PEAK_BUDGET_KB, f"{kind}: the web process grew {grew / 1024:.0f} MiB"
    assert not Benchmark.objects.exists()


#: Runs manage.py and, at exit, prints the process's own peak RSS (VmHWM). ru_maxrss from
#: wait4() would not do: exec() folds the forking parent's peak into the child's.
PEAK_WRAPPER = (
    "import atexit, runpy, sys\n"
    "def peak():\n"
    "    line = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
    "    print('PEAK_KB', line.split()[1], file=sys.stderr)\n"
    "atexit.register(peak)\n"
    "sys.argv = ['manage.py', *sys.argv[1:]]\n"
    "runpy.run_path('manage.py', run_name='__main__')\n"
)


def test_the_import_command_reads_a_bomb_as_a_stream(tmp_path: Path, bombs: dict[str, bytes]) -> None:
    """``manage.py import_benchmark`` in its own process, with its own peak RSS."""
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(bombs["many-lines"])
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, "import_benchmark", "bomb", str(path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "decompresses to more than 200 MB" in result.stderr
    peak_mib = int(result.stderr.split("PEAK_KB ")[1].split()[0]) / 1024
    print(f"import_benchmark on a 512 MiB gzip bomb: peak RSS {peak_mib:.0f} MiB")
    assert peak_mib < 250, f"peak RSS {peak_mib:.0f} MiB"


def test_a_real_benchmark_still_imports_from_a_stream(humaneval_path: Path) -> None:
    with humaneval_path.open("rb") as stream:
        assert len(parse_benchmark(stream)) == 164
    assert len(parse_benchmark(gzip.decompress(humaneval_path.read_bytes()))) == 164


@pytest.mark.django_db(transaction=True)
def test_a_220_mb_atom_import_is_refused_before_it_is_read(researcher: Any, tmp_path: Path) -> None:
    record = json.dumps({"slug": "x", "topic": "t", "padding": "p" * 1000}).encode() + b"\n"
    size = 220 * MiB
    lines = size // len(record)

    def file_chunks() -> Iterator[bytes]:
        block = record * 1000
        for _ in range(lines // 1000):
            yield block
        yield record * (lines % 1000)

    with live_web(researcher) as web:
        before = web.reset_peak()
        status, html = web.post_file(
            "/atoms/import/", {}, "file", "huge.jsonl", file_chunks(), lines * len(record)
        )
        grew = web.peak_kb() - before
    print(f"atom import of {lines * len(record) / MiB:.0f} MiB: web peak RSS grew {grew / 1024:.1f} MiB")
    assert status == 200, html[:2000]
    assert "the file is 220 MB; at most 20 MB" in html
    assert grew < PEAK_BUDGET_KB, f"the web process grew {grew / 1024:.0f} MiB"


# --- JSON nested 100,000 deep -------------------------------------------------------------------


def test_deep_json_in_a_benchmark_names_its_line_and_keeps_nothing(db: Any, humaneval_path: Path) -> None:
    good = gzip.decompress(humaneval_path.read_bytes()).splitlines()[0]
    data = good + b"\n" + DEEP.encode() + b"\n"
    with pytest.raises(BenchmarkImportError) as caught:
        parse_benchmark(io.BytesIO(data))
    assert str(caught.value) == "line 2: JSON nested deeper than 64 levels (column 65)"


def test_deep_json_in_a_benchmark_upload_is_a_400_with_the_line(client: Client, researcher: Any) -> None:
    client.force_login(researcher)
    upload = io.BytesIO(b"\n" + DEEP.encode())
    upload.name = "deep.jsonl"
    response = client.post("/datasets/benchmarks/", {"name": "deep", "file": upload})
    assert response.status_code == 400
    assert "line 2: JSON nested deeper than 64 levels (column 65)" in response.content.decode()
    assert not Benchmark.objects.exists()


def test_deep_json_in_an_atom_import_rejects_that_line_only(client: Client, researcher: Any) -> None:
    client.force_login(researcher)
    good = json.dumps({"slug": "sum_two", **library_content("digit_sum")}, ensure_ascii=False)
    upload = io.BytesIO(f"{good}\n{DEEP}\n".encode())
    upload.name = "atoms.jsonl"
    response = client.post("/atoms/import/", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "not valid JSON: column 65: nested deeper than 64 levels" in html
    assert not Atom.objects.exists()  # a preview writes nothing


def test_deep_json_in_the_editors_cases_field_is_a_message_next_to_it(
    client: Client, researcher: Any
) -> None:
    client.force_login(researcher)
    content = library_content("digit_sum")
    cases = "[\n" + DEEP + "\n]"
    response = client.post("/atoms/new/", editor_post("deep_cases", content, cases_json=cases))
    html = response.content.decode()
    assert response.status_code == 200
    assert "not valid JSON: line 2, column 64: nested deeper than 64 levels" in html
    assert not Atom.objects.filter(slug="deep_cases").exists()
    table = editor_post(
        "deep_table", content, cases_source="table", case_args=[DEEP], case_expected=["1"], cases_json=""
    )
    response = client.post("/atoms/new/", table)
    assert "case 0: args are not valid JSON (nested deeper than 64 levels)" in response.content.decode()
    assert not Atom.objects.filter(slug="deep_table").exists()
