"""The datasets pages through Django's test client (the browser test drives the builder)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.test import Client
from django.urls import reverse

from webapp.mixtures.models import Benchmark, Mixture
from webapp.mixtures.recipe import Item
from webapp.mixtures.services import mixture_create, snapshot_freeze


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_researcher_creates_a_mixture_saves_a_recipe_and_previews_it(loaded: Any, researcher: Any) -> None:
    client = _client(researcher)
    assert client.get(reverse("datasets")).status_code == 200
    response = client.post(reverse("mixture-new"), {"name": "paper", "seed": 3})
    mixture = Mixture.objects.get(name="paper")
    assert response["Location"] == reverse("mixture", args=[mixture.pk])
    recipe = {
        "seed": "3",
        "tokenizer": "whitespace",
        "source": ["atom_modify", "atom_base", ""],
        "ratio": ["600", "1", "100"],
        "lang": ["en", "en", "en"],
        "role": ["train", "train", "train"],
    }
    preview = client.post(reverse("mixture-preview"), recipe, headers={"HX-Request": "true"})
    assert preview.status_code == 200 and b'id="preview-total">601<' in preview.content
    assert b"<html" not in preview.content  # the partial only
    client.post(reverse("mixture-save", args=[mixture.pk]), recipe)
    assert mixture.latest.items[0] == {"source": "atom_modify", "ratio": "600", "lang": "en", "role": "train"}
    page = client.get(reverse("mixture", args=[mixture.pk]))
    assert b'value="atom_modify" selected' in page.content


@pytest.mark.parametrize("ratio", ["0", "700"])
def test_a_ratio_outside_1_to_600_percent_is_refused_in_its_row_and_nothing_is_saved(
    loaded: Any, researcher: Any, ratio: str
) -> None:
    mixture = mixture_create(name="m", by=None)
    bad = {"seed": "1", "source": ["atom_base"], "ratio": [ratio], "lang": ["en"], "role": ["train"]}
    response = _client(researcher).post(reverse("mixture-freeze", args=[mixture.pk]), bad)
    html = response.content.decode()
    assert response.status_code == 400
    row = html.split('<tr class="item has-error">', 1)[1].split("</tr>", 1)[0]
    assert f'value="{ratio}"' in row  # what was typed is shown back, in its row
    assert f"ratio {ratio}% is outside 1%–600%" in row
    assert "percentage of its records, 1%–600%" in html  # the form states the range up front
    assert mixture.latest.items == [] and not mixture.latest.snapshots.exists()


def test_viewers_read_but_cannot_change(loaded: Any, viewer: Any) -> None:
    mixture = mixture_create(name="m", by=None)
    client = _client(viewer)
    assert client.get(reverse("mixture", args=[mixture.pk])).status_code == 200
    assert client.post(reverse("mixture-save", args=[mixture.pk]), {"seed": "2"}).status_code == 403
    assert client.post(reverse("mixture-new"), {"name": "x", "seed": 0}).status_code == 403


def test_snapshot_page_shows_stats_contamination_and_downloads(
    loaded: Any, viewer: Any, artifacts: Path
) -> None:
    train = mixture_create(name="train", by=None, items=[Item(source="atom_base", ratio=Decimal(20))])
    held = mixture_create(
        name="held", by=None, items=[Item(source="atom_base", ratio=Decimal(100), role="eval")]
    )
    t, e = (snapshot_freeze(version=m.latest, by=None) for m in (train, held))
    client = _client(viewer)
    assert t.short.encode() in client.get(reverse("snapshots")).content
    page = client.get(reverse("snapshot", args=[t.sha256[:8]]), {"eval": e.sha256})
    assert page.status_code == 200
    assert b"contaminated" in page.content and b'id="token-stats"' in page.content
    assert f"problem record schema v{t.record_schema_version}</span>".encode() in page.content
    fragment = client.get(
        reverse("snapshot-contamination", args=[t.sha256]), {"eval": e.sha256}, headers={"HX-Request": "true"}
    )
    assert b'data-kind="exact_prompt"' in fragment.content and b"<html" not in fragment.content

    jsonl = client.get(reverse("snapshot-download", args=[t.sha256, "jsonl"]))
    assert b"".join(jsonl.streaming_content) == (artifacts / t.path).read_bytes()  # type: ignore[attr-defined]
    parquet = client.get(reverse("snapshot-download", args=[t.sha256, "parquet"]))
    table = pq.read_table(io.BytesIO(b"".join(parquet.streaming_content)))  # type: ignore[attr-defined]
    assert table.num_rows == 20
    assert client.get(f"/datasets/snapshots/{t.sha256}/download.exe").status_code == 404
    assert client.get(reverse("snapshot", args=["ffffffff"])).status_code == 404


def test_benchmark_upload_imports_or_names_the_bad_line(
    db: Any, researcher: Any, humaneval_path: Path
) -> None:
    client = _client(researcher)
    bad = io.BytesIO(
        b'{"task_id": "a", "prompt": "def f():\\n", "canonical_solution": "", "test": "", '
        b'"entry_point": "f"}\n{oops\n'
    )
    bad.name = "bad.jsonl"
    response = client.post(reverse("benchmarks"), {"name": "mine", "file": bad})
    assert response.status_code == 400 and b"line 2: not valid JSON" in response.content
    assert not Benchmark.objects.exists()
    with humaneval_path.open("rb") as fh:
        response = client.post(reverse("benchmarks"), {"name": "humaneval", "file": fh})
    assert response.status_code == 302
    assert Benchmark.objects.get(name="humaneval").problem_count == 164
    assert b"benchmark:humaneval" in client.get(reverse("benchmarks")).content


# --- the messages and links of issue 12 -------------------------------------------------------


def test_get_on_new_mixture_shows_the_form_instead_of_a_blank_405(researcher: Any, db: Any) -> None:
    response = _client(researcher).get(reverse("mixture-new"))
    assert response.status_code == 200 and 'id="new-mixture"' in response.content.decode()


def test_the_parquet_download_is_not_named_by_the_jsonl_hash_alone(loaded: Any, viewer: Any) -> None:
    mixture = mixture_create(name="paper 1", by=None, items=[Item(source="atom_base", ratio=Decimal(10))])
    snapshot = snapshot_freeze(version=mixture.latest, by=None)
    client = _client(viewer)
    jsonl = client.get(reverse("snapshot-download", args=[snapshot.sha256, "jsonl"]))
    parquet = client.get(reverse("snapshot-download", args=[snapshot.sha256, "parquet"]))
    assert f'filename="{snapshot.sha256}.jsonl"' in jsonl["Content-Disposition"]
    name = f"paper-1-v1.from-jsonl-{snapshot.short}.parquet"
    assert f'filename="{name}"' in parquet["Content-Disposition"]
    assert snapshot.sha256 not in parquet["Content-Disposition"]


def test_a_snapshot_records_its_atoms_and_composites_and_lists_its_reports(loaded: Any, viewer: Any) -> None:
    train = mixture_create(name="train", by=None, items=[Item(source="atom_base", ratio=Decimal(100))])
    held = mixture_create(
        name="held", by=None, items=[Item(source="atom_modify", ratio=Decimal(100), role="eval")]
    )
    t, e = (snapshot_freeze(version=m.latest, by=None) for m in (train, held))
    assert t.members.filter(kind="atom").count() == 100 and not t.members.filter(kind="composite").exists()
    client = _client(viewer)
    client.get(reverse("snapshot", args=[t.sha256]), {"eval": e.sha256})
    for snapshot, other in ((t, e), (e, t)):
        html = client.get(reverse("snapshot", args=[snapshot.sha256])).content.decode()
        reports = html.split('id="reports"', 1)[1].split("</table>", 1)[0]
        assert f'href="/datasets/snapshots/{other.sha256}/"' in reports and "(this)" in reports
    atom_page = client.get(reverse("atom", args=["digit_sum"])).content.decode()
    snapshots = atom_page.split('id="atom-snapshots"', 1)[1].split("</ul>", 1)[0]
    assert t.short in snapshots and e.short in snapshots and "(its own rows)" in snapshots


def test_viewers_get_the_recipe_as_text_without_controls(loaded: Any, viewer: Any) -> None:
    mixture = mixture_create(name="m", by=None, items=[Item(source="atom_base", ratio=Decimal(50))])
    html = _client(viewer).get(reverse("mixture", args=[mixture.pk])).content.decode()
    form = html.split('id="mixture-form"', 1)[1].split("</form>", 1)[0]
    assert "<select" not in form and "data-remove-row" not in form and "Freeze" not in form
    assert "ratio" in form and ">50<" in form and "mixture-preview" not in html


def test_a_benchmark_opens_lists_its_problems_and_is_deleted_only_when_no_mixture_uses_it(
    db: Any, researcher: Any, humaneval_path: Path
) -> None:
    client = _client(researcher)
    with humaneval_path.open("rb") as fh:
        response = client.post(reverse("benchmarks"), {"name": "humaneval", "file": fh})
    assert response["Location"] == reverse("benchmark", args=["humaneval"])
    listing = client.get(reverse("benchmarks")).content.decode()
    assert f'href="{reverse("benchmark", args=["humaneval"])}"' in listing
    page = client.get(reverse("benchmark", args=["humaneval"])).content.decode()
    assert "HumanEval/0" in page and "page 1 of 4" in page
    second = client.get(reverse("benchmark", args=["humaneval"]), {"page": 2}).content.decode()
    assert "HumanEval/50" in second and "HumanEval/0</code>" not in second
    mixture = mixture_create(
        name="uses-it", by=None, items=[Item(source="benchmark:humaneval", ratio=Decimal(100), role="eval")]
    )
    refused = client.post(reverse("benchmark-delete", args=["humaneval"]), follow=True).content.decode()
    assert "benchmark:humaneval is used by mixture uses-it; remove it from the recipe first" in refused
    assert Benchmark.objects.filter(name="humaneval").exists()
    _empty_recipe(mixture)
    response = client.post(reverse("benchmark-delete", args=["humaneval"]), follow=True)
    assert "Deleted benchmark:humaneval." in response.content.decode()
    assert not Benchmark.objects.exists()


def _empty_recipe(mixture: Mixture) -> None:
    """Take every source out of ``mixture``'s recipe."""
    from webapp.mixtures.services import mixture_save

    mixture_save(mixture=mixture, by=None, seed=0, tokenizer="whitespace", items=[])
