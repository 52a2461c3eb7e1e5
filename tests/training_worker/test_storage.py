"""The storage module against a local root and fsspec's in-memory filesystem."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from training_worker.storage import Storage, StorageError, materialise_dir


@pytest.fixture(params=["local", "memory"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "local":
        yield Storage(f"file://{tmp_path}/root")
    else:
        root = f"memory://atomlab-{uuid.uuid4().hex[:8]}"
        yield Storage(root)
        Storage(root).delete("")


def test_files_are_written_read_listed_and_deleted(storage: Storage) -> None:
    uri = storage.write_text("runs/1/rollouts/step-000001.jsonl", '{"a": 1}\n')
    assert uri == f"{storage.root}/runs/1/rollouts/step-000001.jsonl"
    assert storage.exists("runs/1/rollouts/step-000001.jsonl")
    assert storage.read_text("runs/1/rollouts/step-000001.jsonl") == '{"a": 1}\n'
    storage.write_bytes("runs/1/rollouts/step-000002.jsonl", b"x")
    assert storage.list("runs/1/rollouts") == ["step-000001.jsonl", "step-000002.jsonl"]
    assert storage.list("runs/none") == []
    with storage.open("runs/1/log.txt", "w") as fh:
        fh.write("hello")
    with storage.open("runs/1/log.txt", "r") as fh:
        assert fh.read() == "hello"
    storage.delete("runs/1")
    assert not storage.exists("runs/1/log.txt")
    with pytest.raises(StorageError, match="does not exist"):
        storage.read_bytes("runs/1/log.txt")


def test_directories_go_up_and_come_back(storage: Storage, tmp_path: Path) -> None:
    source = tmp_path / "checkpoint-5"
    (source / "sub").mkdir(parents=True)
    (source / "model.safetensors").write_bytes(b"\x00\x01weights")
    (source / "sub" / "state.json").write_text("{}")
    uri = storage.put_dir(source, "runs/7/checkpoints/checkpoint-5")
    assert uri.endswith("runs/7/checkpoints/checkpoint-5")
    back = storage.get_dir("runs/7/checkpoints/checkpoint-5", tmp_path / "back")
    assert (back / "model.safetensors").read_bytes() == b"\x00\x01weights"
    assert (back / "sub" / "state.json").read_text() == "{}"
    local = materialise_dir(uri, tmp_path / "cache")
    assert (local / "model.safetensors").exists()


def test_a_storage_rooted_at_a_file_reads_it(storage: Storage) -> None:
    uri = storage.write_text("snapshots/abc.jsonl", "line\n")
    with Storage(uri).open("", "r") as fh:
        assert fh.read() == "line\n"


def test_keys_cannot_escape_the_root(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="must be relative"):
        Storage(tmp_path).write_text("../outside.txt", "x")
    with pytest.raises(StorageError, match="must be relative"):
        Storage(tmp_path).read_text("/etc/passwd")


def test_local_writes_are_atomic_under_failure(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    storage.write_text("a.txt", "old")
    with pytest.raises(RuntimeError), storage.open("a.txt", "w") as fh:
        fh.write("half")
        raise RuntimeError("interrupted")
    assert storage.read_text("a.txt") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_appends_add_to_the_end_of_a_file_created_on_the_first(storage: Storage) -> None:
    uri = storage.append_text("evals/1/generations.jsonl", '{"i": 0}\n')
    assert uri == f"{storage.root}/evals/1/generations.jsonl"
    storage.append_text("evals/1/generations.jsonl", '{"i": 1}\n{"i": 2}\n')
    assert storage.read_text("evals/1/generations.jsonl") == '{"i": 0}\n{"i": 1}\n{"i": 2}\n'


def test_a_relative_uri_lies_under_the_artifact_root() -> None:
    from training_worker.storage import resolve_uri

    assert resolve_uri("evals/7", "/srv/artifacts") == "/srv/artifacts/evals/7"
    assert resolve_uri("evals/7", "s3://bucket/atomlab/") == "s3://bucket/atomlab/evals/7"
    for absolute in ("/data/snap.jsonl", "file:///data/snap.jsonl", "s3://b/snap.jsonl", "~/snap.jsonl"):
        assert resolve_uri(absolute, "/srv/artifacts") == absolute
