"""Every page needs a login; roles gate actions in one place."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from webapp.accounts.models import Role
from webapp.core.access import require_role

#: Views that must answer without a session, and why.
PUBLIC = {
    "login",  # the way in
    "livez",  # container liveness probe; reveals nothing but "ok"
    "favicon",  # a redirect to the static icon; browsers ask for it before logging in
}


def _named_routes_without_args() -> list[str]:
    names: list[str] = []

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue  # Django admin has its own login redirect, tested separately
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name and not p.pattern.regex.groups:
                names.append(namespace + p.name)

    walk(get_resolver().url_patterns)
    return names


def test_route_walker_finds_the_pages() -> None:
    names = _named_routes_without_args()
    assert {"dashboard", "health", "atoms", "studies"} <= set(names)


@pytest.mark.django_db
@pytest.mark.parametrize("name", [n for n in _named_routes_without_args() if n not in PUBLIC])
def test_anonymous_request_to_any_page_redirects_to_login(client: Any, name: str) -> None:
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_anonymous_post_to_an_action_redirects_to_login_and_does_nothing(client: Any) -> None:
    response = client.post(reverse("health-roundtrip"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_admin_site_sends_anonymous_users_to_a_login(client: Any) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_logged_in_viewer_sees_the_dashboard(client: Any, viewer: Any) -> None:
    client.force_login(viewer)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert b"Dashboard" in response.content
    for label in (b"Atoms", b"Composites", b"Datasets", b"Runs", b"Evaluations", b"Studies"):
        assert label in response.content


def test_viewer_gets_403_on_a_researcher_action(client: Any, viewer: Any) -> None:
    client.force_login(viewer)
    response = client.post(reverse("health-roundtrip"), HTTP_HX_REQUEST="true")
    assert response.status_code == 403


def test_roles_rank_viewer_below_researcher_below_admin(
    viewer: Any, researcher: Any, admin_user: Any
) -> None:
    assert not viewer.has_role(Role.RESEARCHER)
    assert researcher.has_role(Role.RESEARCHER) and not researcher.has_role(Role.ADMIN)
    assert admin_user.has_role(Role.ADMIN) and admin_user.has_role(Role.VIEWER)
    researcher.is_active = False
    assert not researcher.has_role(Role.VIEWER)


def test_require_role_refuses_anonymous_users() -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        require_role(AnonymousUser(), Role.VIEWER)


def test_livez_answers_without_login(client: Any) -> None:
    response = client.get(reverse("livez"))
    assert response.status_code == 200
    assert response.content == b"ok\n"


# --- the refusal page and the one rule per action ------------------------------------------


def test_a_refused_page_is_the_apps_page_with_the_reason(client: Any, viewer: Any) -> None:
    client.force_login(viewer)
    response = client.get(reverse("atom-new"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "This needs the researcher role." in html and "You are signed in as <b>vera</b>" in html
    assert 'class="topbar"' in html and "Not allowed" in html  # the app's layout, not a bare 403


def test_a_refused_htmx_request_answers_with_the_reason_for_the_flash_area(client: Any, viewer: Any) -> None:
    client.force_login(viewer)
    response = client.post(reverse("health-roundtrip"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 403 and "<html" not in html
    assert response["HX-Retarget"] == "#flash" and response["HX-Reswap"] == "innerHTML"
    assert "This needs the researcher role." in html


def test_a_stale_form_gets_the_refusal_page_not_djangos_csrf_page(viewer: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "This form was out of date" in response.content.decode()


def test_each_action_needs_the_role_the_rule_names(viewer: Any, researcher: Any, admin_user: Any) -> None:
    from webapp.core.access import NEEDS, Action, Refused, can, require

    assert set(NEEDS) == set(Action)  # every action has a rule
    assert can(researcher, Action.ATOM_CHANGE) and not can(viewer, Action.ATOM_CHANGE)
    assert can(admin_user, Action.USERS_MANAGE) and not can(researcher, Action.USERS_MANAGE)
    with pytest.raises(Refused, match=r"This needs the admin role\."):
        require(researcher, Action.USERS_MANAGE)


def test_the_template_helper_refuses_an_unknown_action_name(viewer: Any) -> None:
    from django.template import Context, Template

    template = Template('{% if user|can:"atom.chnage" %}x{% endif %}')
    with pytest.raises(ValueError):
        template.render(Context({"user": viewer}))


def test_favicon_is_served_without_login(client: Any) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("core/favicon.svg")
