"""Tags, a note and a group on a run or an evaluation (:class:`webapp.core.models.Labelled`),
written once for both: the form that checks them where they enter, the write (the owner or
an admin, :func:`webapp.core.access.require_owner_or_admin`), the lists' filter, and the
view behind the in-place editor (``templates/core/labels.html``, htmx)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect

from webapp.accounts.models import User
from webapp.core.access import Action, AuthedHttpRequest, can_act_on, require_owner_or_admin
from webapp.core.forms import Form
from webapp.core.htmx import is_htmx, render_page
from webapp.core.models import Labelled
from webapp.core.paging import query_without
from webapp.core.queries import json_list_contains

#: A tag: lower-case letters, digits, ``.``, ``_`` and ``-``, starting with a letter or digit.
TAG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
MAX_TAGS = 12
_SPLIT = re.compile(r"[\s,]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

L = TypeVar("L", bound=Labelled)


def parse_tags(text: str) -> list[str]:
    """Tags from what was typed (commas or spaces between them; upper case is folded),
    sorted and without duplicates. Raises ``ValueError`` naming the first bad tag."""
    tags = sorted({t.lower() for t in _SPLIT.split(text.strip()) if t})
    for tag in tags:
        if not TAG.match(tag):
            raise ValueError(
                f"“{tag[:40]}” is not a tag: use lower-case letters, digits, “.”, “_” or “-”, "
                "starting with a letter or digit, at most 32 characters"
            )
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{len(tags)} tags: at most {MAX_TAGS}")
    return tags


class LabelsForm(Form):
    """The in-place editor's fields; an error stays next to its field with the text typed."""

    tags = forms.CharField(
        required=False,
        max_length=500,
        help_text="Short slugs separated by commas or spaces, e.g. grpo, lr-sweep, baseline.",
    )
    group = forms.CharField(required=False, max_length=100, help_text="Runs of one sweep or idea.")
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_tags(self) -> list[str]:
        try:
            return parse_tags(self.cleaned_data.get("tags") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_group(self) -> str:
        group = (self.cleaned_data.get("group") or "").strip()
        if _CONTROL.search(group):
            raise forms.ValidationError("A group name is one line of text (no line breaks or tabs).")
        return group


def labels_save(*, obj: L, by: User, action: Action, doing: str, data: dict[str, Any]) -> L:
    """Write ``obj``'s tags, group and note (checked by :class:`LabelsForm`): its owner or
    an admin only, refused before anything changes."""
    require_owner_or_admin(by, obj=obj, doing=doing, action=action)
    obj.tags = list(data["tags"])
    obj.group = data["group"]
    obj.note = data["note"]
    obj.save(update_fields=["tags", "group", "note"])
    return obj


@dataclass(frozen=True)
class LabelFilters:
    """A list's ``?tag=`` and ``?group=`` (an impossible tag matches nothing rather than
    being refused: a stale link still opens)."""

    tag: str = ""
    group: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> LabelFilters:
        return cls(tag=query.get("tag", "").strip().lower()[:40], group=query.get("group", "").strip()[:100])

    def __bool__(self) -> bool:
        return bool(self.tag or self.group)

    def apply(self, rows: QuerySet[L]) -> QuerySet[L]:
        """``rows`` carrying the tag and in the group (PostgreSQL and SQLite alike)."""
        if self.tag:
            rows = rows.filter(json_list_contains("tags", self.tag))
        if self.group:
            rows = rows.filter(group=self.group)
        return rows


def label_filter_context(request: AuthedHttpRequest, place: LabelsPlace) -> dict[str, Any]:
    """What ``core/labels.html#filters`` needs: the filters and the list's query without each
    (the link that removes it)."""
    return {
        "labels": LabelFilters.from_query(request.GET),
        "place": place,
        "without_tag": query_without(request, "tag").urlencode(),
        "without_group": query_without(request, "group").urlencode(),
    }


@dataclass(frozen=True)
class LabelsPlace:
    """Where one kind of row's labels live: its editor's URL name, its list's, its page's,
    the action its owner needs and how a refusal names the write."""

    url_name: str
    list_name: str
    page_name: str
    action: Action
    doing: str


def labels_view(request: AuthedHttpRequest, obj: Labelled, place: LabelsPlace) -> HttpResponse:
    """The in-place editor. GET: the editor (``?show=1``: the labels as read). POST: save and
    show them, or the editor again with the errors next to their fields and the text kept.
    Without htmx a save leads back to the object's page."""
    pk = obj.pk
    editable = can_act_on(request.user, getattr(obj, "created_by_id", None), place.action)
    form = LabelsForm(request.POST or None, initial=_initial(obj))
    editing = request.method == "POST" or (editable and not request.GET.get("show"))
    if request.method == "POST":
        require_owner_or_admin(request.user, obj=obj, doing=place.doing, action=place.action)
        if form.is_valid():
            labels_save(
                obj=obj, by=request.user, action=place.action, doing=place.doing, data=form.cleaned_data
            )
            if not is_htmx(request):
                return redirect(place.page_name, pk)
            editing = False
    context = {
        "obj": obj,
        "form": form,
        "editable": editable,
        "compact": request.GET.get("compact") == "1" or request.POST.get("compact") == "1",
        "editing": editing,
        "place": place,
    }
    return render_page(request, "core/labels.html", context, partial="edit" if editing else "show")


def _initial(obj: Labelled) -> dict[str, str]:
    return {"tags": ", ".join(obj.tags or []), "group": obj.group, "note": obj.note}
