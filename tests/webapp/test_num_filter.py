"""``{{ v|num }}``: config values and metrics as a researcher reads them; a learning rate is
never "0.00000"."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import engines


def render(value: Any, arg: str = "") -> str:
    template = engines["django"].from_string("{{ v|num" + (f":{arg}" if arg else "") + " }}")
    return str(template.render({"v": value}))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1e-6, "1e-6"),
        (2e-05, "2e-5"),
        (1.5e-07, "1.5e-7"),
        (-4.2e-5, "-4.2e-5"),
        (0.001, "0.001"),
        (0.123456, "0.1235"),
        (2.0, "2"),
        (0.0, "0"),
        (12345678.0, "1.235e7"),
        (7, "7"),  # integers (steps, batch sizes) as they are
        (True, "True"),
        ("cosine", "cosine"),
        (None, "None"),
    ],
)
def test_small_and_large_floats_read_in_scientific_notation_and_the_rest_as_they_are(
    value: Any, shown: str
) -> None:
    assert render(value) == shown


def test_the_number_of_significant_digits_can_be_asked_for() -> None:
    assert render(0.123456, "2") == "0.12" and render(3.14159e-8, "3") == "3.14e-8"
