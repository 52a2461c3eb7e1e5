"""Template filters of the evaluation pages."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from webapp.evaluation.contamination import MARKS

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """0.4567 -> ``45.7``; None -> ``–``."""
    return "–" if value is None else f"{100 * value:.1f}"


@register.filter
def signed_pct(value: float | None) -> str:
    """0.05 -> ``+5.0``; -0.1 -> ``−10.0``."""
    if value is None:
        return "–"
    return f"+{100 * value:.1f}" if value >= 0 else f"−{100 * -value:.1f}"


@register.filter
def as_json(value: Any) -> str:
    """A case value as compact JSON, trimmed for a table cell."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + "…"


@register.simple_tag
def passk_cell(cell: Any) -> str:
    """One cell of the pass@k table: the estimate, its interval, and the tests used when
    they are not the snapshot's. One tag per cell: the table has runs × suites × k of them."""
    if cell is None:
        return mark_safe('<span class="muted">–</span>')
    mark = (
        format_html(
            '<br><span class="badge mark {}" title="{}" data-mark="{}">{}</span>',
            cell.mark,
            cell.mark_title,
            cell.mark,
            MARKS.get(cell.mark, cell.mark),
        )
        if cell.mark
        else ""
    )
    tests = (
        format_html('<br><span class="badge warn" title="tests used">{}</span>', cell.tests_version)
        if cell.tests_version != "snapshot"
        else ""
    )
    return format_html(
        '<b>{}</b><br><span class="ci">{}–{}</span>{}{}',
        pct(cell.estimate),
        pct(cell.ci_low),
        pct(cell.ci_high),
        tests,
        mark,
    )


@register.simple_tag
def contamination_mark(finding: dict[str, Any] | None) -> str:
    """The mark of a suite the model trained on (``contaminated``) or that a study declares
    in-domain, with what overlaps as its title; "" for a clean suite."""
    if not finding:
        return ""
    status = str(finding.get("status", ""))
    return format_html(
        '<span class="badge mark {}" title="{}" data-mark="{}">{}</span>',
        status,
        str(finding.get("summary", "")),
        status,
        MARKS.get(status, status),
    )


@register.filter
def finding_of(run: Any, snapshot: Any) -> Any:
    """``run.finding(snapshot.pk)`` for a template."""
    return run.finding(getattr(snapshot, "pk", snapshot))


@register.simple_tag
def run_options(runs: Any, selected: Any = "") -> str:
    """``<option>`` elements for a select of evaluations (one tag: the list may hold hundreds)."""
    chosen = str(selected)
    return format_html_join(
        "",
        '<option value="{}"{}>eval {} · {}</option>',
        ((r.pk, mark_safe(" selected") if str(r.pk) == chosen else "", r.pk, r.model_label) for r in runs),
    )
