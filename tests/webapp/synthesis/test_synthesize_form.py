"""The synthesis form shows every mistake of a submit at once, in a researcher's words."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.webapp.training.test_launch import errors_of
from webapp.synthesis.models import SynthesisRun

pytestmark = pytest.mark.django_db


def test_a_pool_error_and_a_reversed_depth_range_are_shown_together(researcher: Any) -> None:
    client = Client()
    client.force_login(researcher)
    data = {"pools": "A=lots", "depth_min": "4", "depth_max": "2", "seed": "0", "cases": "8"}
    response = client.post(reverse("synthesize"), data)
    html = response.content.decode()
    shown = errors_of(html)
    assert "write NAME=COUNT" in " ".join(shown["pools"]), shown
    depth = " ".join(shown["depth_max"])
    assert "“Depth to” (2) is below “Depth from” (4)" in depth and "<=" not in depth
    assert 'id="not-saved"' in html and 'href="#id_pools"' in html and 'href="#id_depth_max"' in html
    assert 'value="A=lots"' in html  # nothing typed is lost
    assert not SynthesisRun.objects.exists()


def test_an_equal_depth_range_is_one_depth_and_is_accepted(researcher: Any) -> None:
    client = Client()
    client.force_login(researcher)
    data = {"pools": "A=3", "depth_min": "3", "depth_max": "3", "seed": "0", "cases": "8"}
    response = client.post(reverse("synthesize"), data)
    assert response.status_code == 302, errors_of(response.content.decode())
    assert SynthesisRun.objects.get().params["depth"] == [3, 3]
