"""Fixtures for the atoms suite: the library as specs, and the library loaded into the
test database through the real loader."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.atoms.library import load_library
from webapp.atoms.library.spec import AtomSpec


@pytest.fixture(scope="session")
def specs() -> list[AtomSpec]:
    return load_library()


@pytest.fixture
def loaded(db: Any) -> Any:
    """The whole library loaded into the (per-test, rolled back) database."""
    from webapp.atoms.services import library_load

    return library_load()
