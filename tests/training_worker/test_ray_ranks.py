"""Where a job's ranks run (``placement``), without a Ray cluster: the config refuses an
unknown placement naming the field; a worker without ``RAY_ADDRESS`` (or without the ray
package) fails a ``placement: ray`` job with that reason; more ranks than the worker has go
to Ray when it has ``RAY_ADDRESS``; and each rank's torchrun environment follows the nodes
Ray placed the ranks on. The cluster itself: tests/webapp/training/test_ray_on_workers.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.training_worker.conftest import new_job_id
from training_worker.configs import ConfigError, SFTMethodConfig
from training_worker.contracts import JobSpec
from training_worker.control import JobControl
from training_worker.events import ListSink
from training_worker.ranks import placement, run_ranks
from training_worker.ray_ranks import rank_envs


def _spec(config: dict[str, Any], tmp_path: Path) -> JobSpec:
    job_id = new_job_id("ray")
    return JobSpec(
        job_id=job_id, kind="sft", model="unused", data_uris=[str(tmp_path / "none.jsonl")],
        artifact_prefix=str(tmp_path / job_id), method_config=config, seed=0,
    )  # fmt: skip


def test_an_unknown_placement_is_refused_naming_the_field() -> None:
    with pytest.raises(ConfigError) as refused:
        SFTMethodConfig.from_dict({"placement": "cluster"})
    assert str(refused.value).startswith("placement: must be one of local, ray, got 'cluster'")
    assert SFTMethodConfig.from_dict({"placement": "ray"}).placement == "ray"


def test_a_ray_job_on_a_worker_without_ray_address_fails_with_the_reason(
    tmp_path: Path, redis_client: Any, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    spec = _spec({"num_processes": 2, "placement": "ray"}, tmp_path)
    sink = ListSink()
    control = JobControl(redis_client, spec.job_id, heartbeat_s=0.5)
    kind, _ = run_ranks(
        spec, spec.to_json(), sink=sink, control=control, redis_url=redis_url, heartbeat_s=0.5
    )
    [failed] = sink.events
    assert kind == "failed" and failed.type == "failed"
    assert (
        failed.payload["error"]
        == "placement: this worker cannot run ranks on Ray: RAY_ADDRESS is not set on it"
    )


def test_more_ranks_than_the_worker_has_go_to_ray_only_with_ray_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    too_many = {"num_processes": len(os.sched_getaffinity(0)) + 1}
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with pytest.raises(ConfigError) as refused:
        placement(_spec(too_many, tmp_path))
    assert refused.value.field == "num_processes"
    assert placement(_spec({"num_processes": 1}, tmp_path)) == "local"
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:1")  # not reached: placement only decides
    pytest.importorskip("ray")
    assert placement(_spec(too_many, tmp_path)) == "ray"
    assert placement(_spec({"num_processes": 1}, tmp_path)) == "local"


def test_each_rank_gets_torchrun_environment_from_where_ray_placed_it() -> None:
    envs = rank_envs([("n1", "10.0.0.1"), ("n2", "10.0.0.2"), ("n1", "10.0.0.1")], 29500, 1)
    assert {e["MASTER_ADDR"] for e in envs} == {"10.0.0.1"} and {e["MASTER_PORT"] for e in envs} == {"29500"}
    assert [e["RANK"] for e in envs] == ["0", "1", "2"] and {e["WORLD_SIZE"] for e in envs} == {"3"}
    assert [e["LOCAL_RANK"] for e in envs] == ["0", "0", "1"]
    assert [e["LOCAL_WORLD_SIZE"] for e in envs] == ["2", "1", "2"]
