"""Login throttling: 200 wrong passwords in 48 s used to be followed by a successful login.
Now the 10th failure locks (username, address) out, the right password is refused with the
reason, and the lock lifts after the cool-off."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.factories import UserFactory

LOGIN = "/accounts/login/"


@pytest.fixture
def otto(db: Any) -> Any:
    return UserFactory(username="otto", role="researcher")


def attempt(client: Client, password: str, address: str = "10.1.2.3") -> Any:
    return client.post(LOGIN, {"username": "otto", "password": password}, REMOTE_ADDR=address)


def test_ten_wrong_passwords_lock_the_account_even_for_the_right_one(client: Client, otto: Any) -> None:
    for _ in range(9):
        response = attempt(client, "wrong")
        assert (
            response.status_code == 200
            and "Please enter a correct username and password" in response.content.decode()
        )
    response = attempt(client, "wrong")  # the 10th
    assert response.status_code == 429
    response = attempt(client, PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed logins: after 10 wrong passwords this account is locked" in html
    assert "locked from your address for 15 minutes" in html
    assert '<form method="post"' in html  # the login page, not a bare text
    assert "_auth_user_id" not in client.session
    # The lock is on (username, address): the same person elsewhere is not locked out.
    assert attempt(Client(), PASSWORD, address="10.9.9.9").status_code == 302


def test_the_lock_lifts_after_the_cool_off(client: Client, otto: Any, settings: Any) -> None:
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    for _ in range(10):
        attempt(client, "wrong")
    locked = attempt(client, PASSWORD)
    assert locked.status_code == 429 and "locked from your address for 2 seconds" in locked.content.decode()
    time.sleep(2.5)
    response = attempt(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(otto.pk)


def test_a_success_resets_the_count(client: Client, otto: Any) -> None:
    for _ in range(9):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(9):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302
