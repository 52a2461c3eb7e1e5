"""Fixtures for the synthesis suite: the library as pipeline atoms, a real sandbox pool to
judge with, small pool configs, and the library loaded into the test database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox import SandboxClient
from webapp.atoms.library import load_library
from webapp.synthesis.pipeline import PipelineAtom, SynthesisConfig, atoms_from_specs

#: Small pools keep the suite quick on a shared two-core machine.
SMALL = {"A": 30, "B": 10, "C": 10}


@pytest.fixture(scope="session")
def atoms() -> list[PipelineAtom]:
    return atoms_from_specs(load_library())


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxClient]:
    """A real warm pool of two sandbox workers, shared by the pipeline tests."""
    client = SandboxClient(workers=2)
    yield client
    client.close()


@pytest.fixture
def small_config() -> SynthesisConfig:
    return SynthesisConfig(pools=dict(SMALL), depth=(2, 3), seed=0)


@pytest.fixture
def loaded(db: Any) -> Any:
    """The whole library loaded into the test database through the real loader."""
    from webapp.atoms.services import library_load

    return library_load()
