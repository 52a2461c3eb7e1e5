"""Pages of the atoms section. Views stay thin (STYLE rule 1): parse the request, call one
selector or service, render the page or, for htmx, the named partial inside it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from webapp.atoms import selectors, services
from webapp.atoms.checks import MIN_CASES
from webapp.atoms.display import case_rows, changes_diff, conflict_fields, line_diff, verdict_line
from webapp.atoms.forms import (
    AnnotateForm,
    AtomFilterForm,
    AtomForm,
    BulkForm,
    ImportForm,
    ReviewForm,
    ReviewQueueForm,
    parse_tags,
)
from webapp.atoms.importing import export_lines, upload_lines
from webapp.atoms.models import Atom, AtomReview, ReviewState, ValidationStatus
from webapp.atoms.records import RecordError
from webapp.core.access import Action, AuthedHttpRequest, allowed
from webapp.core.highlight import highlight_python
from webapp.core.htmx import render_page
from webapp.core.jobs import job_enqueue_report
from webapp.core.paging import page_of, query_without
from webapp.core.selectors import job_can_cancel, job_get
from webapp.mixtures.selectors import snapshots_with_atom, snapshots_with_chains
from webapp.synthesis.selectors import chain_keys_using_atom, composites_using_atom

PAGE_SIZE = 50


def _is_htmx(request: AuthedHttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted


# --- list, export --------------------------------------------------------------------------


@require_GET
def atom_list(request: AuthedHttpRequest) -> HttpResponse:
    """Every atom with filters, search, sorting, pagination and counts per topic; htmx
    requests from the filter form get only the results."""
    filters = selectors.AtomFilters.from_query(request.GET)
    qs = selectors.atom_list_page_rows(selectors.atom_search(filters=filters))
    page = page_of(request, qs, PAGE_SIZE)
    query = query_without(request, "job")
    query_no_topic = query.copy()
    query_no_topic.pop("topic", None)
    topic_counts = selectors.atom_topic_counts(filters=filters)
    job = None
    if request.GET.get("job", "").isdigit():
        job = job_get(job_id=int(request.GET["job"]), fetched_by=request.user)
    context = {
        "filters": filters,
        "filter_form": AtomFilterForm(
            request.GET, topics=topic_counts, tags=selectors.atom_tags(), langs=selectors.atom_lang_counts()
        ),
        "page": page,
        "query": query.urlencode(),
        "query_no_topic": query_no_topic.urlencode(),
        "topic_counts": topic_counts,
        "bulk_form": BulkForm(auto_id="bulk_%s"),
        "next_url": request.get_full_path(),
        "job": job,
        "can_cancel": job is not None and job_can_cancel(job=job, user=request.user),
    }
    return render_page(request, "atoms/list.html", context, partial="results")


@require_GET
def atom_export(request: AuthedHttpRequest) -> StreamingHttpResponse:
    """The atoms the list shows under the same filters (all of them without any), as atom
    records (JSONL), the format the import reads."""
    filters = selectors.AtomFilters.from_query(request.GET)
    atoms = selectors.atom_export_rows(filters=filters).iterator(chunk_size=200)
    response = StreamingHttpResponse(export_lines(atoms), content_type="application/x-ndjson; charset=utf-8")
    name = "atoms-filtered.jsonl" if filters.active else "atoms.jsonl"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- detail --------------------------------------------------------------------------------


def _detail_context(request: AuthedHttpRequest, atom: Atom, **extra: Any) -> dict[str, Any]:
    content = services.atom_content(atom)
    modify = content["modify"]
    verdict = atom.verdict or {}
    revisions = selectors.atom_revisions(atom=atom)
    return {
        "atom": atom,
        "content": content,
        "modify": modify,
        "variant": atom.variants.first(),
        "code": highlight_python(atom.solution),
        "modify_code": highlight_python(modify.get("solution", "")),
        "cases": case_rows(atom.cases, verdict.get("reference")),
        "modify_cases": case_rows(modify.get("cases", []), verdict.get("modify")),
        "problems": verdict.get("problems") or [],
        "reference_line": verdict_line(verdict.get("reference")),
        "modify_line": verdict_line(verdict.get("modify")),
        "variant_diff": [
            ("prompt_en", line_diff(atom.prompt_en, modify.get("prompt_en", ""))),
            ("solution", line_diff(atom.solution, modify.get("solution", ""))),
        ],
        "revisions": [(r, changes_diff(r.changes)) for r in revisions],
        "reviews": selectors.atom_reviews(atom=atom),
        **_used_in(request, atom),
        "annotate_form": AnnotateForm(
            initial={"tags": ", ".join(atom.tags), "difficulty": atom.difficulty, "notes": atom.notes}
        ),
        "review_states": ReviewState.choices,
        **extra,
    }


def _used_in(request: AuthedHttpRequest, atom: Atom) -> dict[str, Any]:
    """What is made of this atom: composites, and snapshots with its rows or theirs."""
    composites, composite_count = composites_using_atom(slug=atom.slug, fetched_by=request.user, limit=20)
    chains = chain_keys_using_atom(slug=atom.slug, fetched_by=request.user)
    return {
        "composites": composites,
        "composite_count": composite_count,
        "snapshots": snapshots_with_atom(slug=atom.slug, fetched_by=request.user),
        "snapshots_via": snapshots_with_chains(chain_keys=chains, fetched_by=request.user),
    }


@require_GET
def atom_detail(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Prompts, signature, code, cases with results, the variant and its diff, history."""
    atom = selectors.atom_get(slug=slug)
    return render_page(request, "atoms/detail.html", _detail_context(request, atom))


@require_POST
def atom_validate(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Run the atom through the sandbox now; answers with the refreshed verdict."""
    atom = selectors.atom_get_for_change(slug=slug, user=request.user)
    services.atoms_validate(atoms=[atom])
    atom = selectors.atom_get(slug=slug)
    if not _is_htmx(request):
        return redirect("atom", slug=slug)
    return render_page(request, "atoms/detail.html", _detail_context(request, atom), partial="verdict")


@require_POST
def atom_annotate(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Tags, difficulty (new revision) and notes (review log); answers with the panel."""
    atom = selectors.atom_get_for_change(slug=slug, user=request.user)
    form = AnnotateForm(request.POST)
    if form.is_valid():
        atom = services.atom_annotate(
            atom=atom,
            by=request.user,
            tags=parse_tags(form.cleaned_data["tags"]),
            difficulty=form.cleaned_data["difficulty"],
            notes=form.cleaned_data["notes"].replace("\r\n", "\n").strip(),
        )
        if not _is_htmx(request):
            return redirect("atom", slug=slug)
        form = AnnotateForm(
            initial={"tags": ", ".join(atom.tags), "difficulty": atom.difficulty, "notes": atom.notes}
        )
    ctx = _detail_context(request, atom, annotate_form=form)
    return render_page(request, "atoms/detail.html", ctx, partial="annotations")


@require_POST
def atom_review(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Set the review state from the detail page; answers with the annotations panel."""
    atom = selectors.atom_get_for_change(slug=slug, user=request.user)
    form = ReviewForm(request.POST)
    if form.is_valid():
        services.atom_review(atom=atom, state=form.cleaned_data["state"], by=request.user)
    if not _is_htmx(request):
        return redirect("atom", slug=slug)
    atom = selectors.atom_get(slug=slug)
    return render_page(request, "atoms/detail.html", _detail_context(request, atom), partial="annotations")


# --- create, edit --------------------------------------------------------------------------


def _editor_context(form: AtomForm, atom: Atom | None, *, saved: bool = False) -> dict[str, Any]:
    """The editor: the form, its warnings, and (for a saved atom shown unchanged) the
    sandbox's result for each case beside the case table."""
    verdict = (atom.verdict or {}) if atom is not None and not form.is_bound else {}
    editors = []
    for prefix, label, part in (("", "Cases", "reference"), ("modify_", "Variant cases", "modify")):
        cells = form.case_cells(prefix)
        summary = verdict.get(part)
        results = case_rows([{"args": None, "expected": None}] * len(cells), summary) if summary else []
        rows = [(cell, results[i] if i < len(results) else None) for i, cell in enumerate(cells)]
        editors.append(
            {
                "prefix": prefix,
                "label": label,
                "json": form[f"{prefix}cases_json"],
                "source": form[f"{prefix}cases_source"].value() or "json",
                "rows": rows,
                "summary": summary,
                "line": verdict_line(summary) if summary else "",
                "warnings": form.warnings.get(f"{prefix}cases", []),
                "json_broken": form.json_broken(prefix),
            }
        )
    unsaved = [
        (form[name].label if name in form.fields else "form", error)
        for name, errors in form.errors.items()
        for error in errors
    ]
    return {
        "unsaved": unsaved,
        "min_cases": MIN_CASES,
        "form": form,
        "atom": atom,
        "saved": saved,
        "verdict": verdict,
        "editors": editors,
        "action": reverse("atom-edit", args=[atom.slug]) if atom else reverse("atom-new"),
    }


def _editor_response(
    request: AuthedHttpRequest, form: AtomForm, atom: Atom | None, *, saved: bool, **extra: Any
) -> HttpResponse:
    context = {**_editor_context(form, atom, saved=saved), **extra}
    response = render_page(request, "atoms/edit.html", context, partial="editor")
    if saved and atom is not None:
        response["HX-Push-Url"] = reverse("atom-edit", args=[atom.slug])
    return response


def _save(request: AuthedHttpRequest, atom: Atom | None) -> HttpResponse:
    form = AtomForm(request.POST, atom=atom)
    if not form.is_valid():
        return _editor_response(request, form, atom, saved=False)
    try:
        atom = services.atom_save(
            slug=form.cleaned_data["slug"],
            content=form.content(),
            by=request.user,
            atom=atom,
            message=form.cleaned_data.get("message", ""),
            base_version=form.cleaned_data.get("base_version"),
        )
    except services.EditConflict as conflict:
        fields = conflict_fields(conflict.content, form.content())
        # Keep what this author typed; the next save is made knowingly over the new version.
        data = request.POST.copy()
        data["base_version"] = str(conflict.current.version)
        form = AtomForm(data, atom=conflict.current)
        form.is_valid()
        return _editor_response(
            request, form, conflict.current, saved=False, conflict=conflict, conflict_fields=fields
        )
    except services.SlugTaken:
        form.add_error(
            "slug", f"an atom named {form.cleaned_data['slug']!r} already exists; choose another slug"
        )
        return _editor_response(request, form, None, saved=False)
    if not _is_htmx(request):
        state = "valid" if atom.status == ValidationStatus.VALID else "saved as an invalid draft"
        messages.info(request, f"{atom.slug}: version {atom.version}, {state}.")
        return redirect("atom-edit", slug=atom.slug)
    fresh = AtomForm.for_content(slug=atom.slug, content=services.atom_content(atom), atom=atom)
    return _editor_response(request, fresh, atom, saved=True)


@require_http_methods(["GET", "POST"])
@allowed(Action.ATOM_CHANGE)
def atom_new(request: AuthedHttpRequest) -> HttpResponse:
    """Write a new atom; saving validates it in the sandbox and keeps it even if it fails."""
    if request.method == "POST":
        return _save(request, None)
    form = AtomForm(
        initial={"difficulty": 1, "original_lang": "en", "cases_json": "[]", "modify_cases_json": "[]"}
    )
    return render_page(request, "atoms/edit.html", _editor_context(form, None))


@require_http_methods(["GET", "POST"])
def atom_edit(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Edit an atom and its variant; each save is a revision, validated in the sandbox."""
    atom = selectors.atom_get_for_change(slug=slug, user=request.user)
    if request.method == "POST":
        return _save(request, atom)
    form = AtomForm.for_content(slug=atom.slug, content=services.atom_content(atom), atom=atom)
    return render_page(request, "atoms/edit.html", _editor_context(form, atom))


# --- review queue, bulk --------------------------------------------------------------------


def _queue_context(request: AuthedHttpRequest, state: str, at: str | None) -> dict[str, Any]:
    slot = selectors.review_queue(state=state, at=at)
    ctx: dict[str, Any] = {
        "slot": slot,
        "state": state,
        "state_label": ReviewState(state).label.lower(),
        "review_states": ReviewState.choices,
        "queue_form": ReviewQueueForm(initial={"state": state}, auto_id="queue_%s"),
    }
    if slot.atom is not None:
        verdict = slot.atom.verdict or {}
        ctx.update(
            atom=slot.atom,
            code=highlight_python(slot.atom.solution),
            cases=case_rows(slot.atom.cases, verdict.get("reference")),
            reference_line=verdict_line(verdict.get("reference")),
            problems=verdict.get("problems") or [],
        )
    return ctx


def _queue_state(request: AuthedHttpRequest) -> str:
    state = request.GET.get("state") or request.POST.get("queue") or ReviewState.UNREVIEWED
    return state if state in ReviewState.values else ReviewState.UNREVIEWED


@require_GET
def review_queue(request: AuthedHttpRequest) -> HttpResponse:
    """Atoms awaiting review, one at a time (a approve, n needs work, j/k next/previous)."""
    ctx = _queue_context(request, _queue_state(request), request.GET.get("at"))
    return render_page(request, "atoms/review.html", ctx, partial="card")


@require_POST
def review_decide(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Record a decision from the queue and show the next atom in it."""
    atom = selectors.atom_get_for_change(slug=slug, user=request.user)
    form = ReviewForm(request.POST)
    state = _queue_state(request)
    ctx: dict[str, Any] = {}
    if form.is_valid():
        ctx["decided"] = services.atom_review(atom=atom, state=form.cleaned_data["state"], by=request.user)
    if not _is_htmx(request):
        return redirect(f"{reverse('atom-review-queue')}?state={state}&at={slug}")
    ctx.update(_queue_context(request, state, slug))
    return render_page(request, "atoms/review.html", ctx, partial="card")


@require_POST
@allowed(Action.ATOM_CHANGE)
def review_undo(request: AuthedHttpRequest, slug: str, review_id: int) -> HttpResponse:
    """Undo the queue's last decision (logged as a review event); shows that atom again."""
    review = get_object_or_404(AtomReview, pk=review_id, atom__slug=slug, kind=AtomReview.Kind.REVIEW)
    state = _queue_state(request)
    ctx: dict[str, Any] = {}
    try:
        services.atom_review_undo(review=review, by=request.user)
    except services.UndoRefused as exc:
        ctx["undo_error"] = f"Not undone: {exc}."
    if not _is_htmx(request):
        if "undo_error" in ctx:
            messages.error(request, ctx["undo_error"])
        return redirect(f"{reverse('atom-review-queue')}?state={state}&at={slug}")
    ctx.update(_queue_context(request, state, slug))
    return render_page(request, "atoms/review.html", ctx, partial="card")


@require_POST
@allowed(Action.ATOM_CHANGE)
def atom_bulk(request: AuthedHttpRequest) -> HttpResponse:
    """Add a tag to, or set the review state of, the atoms ticked in the list."""
    form = BulkForm(request.POST)
    back = request.POST.get("next") or reverse("atoms")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("atoms")
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"Nothing changed: {errors}.")
        return HttpResponseRedirect(back)
    atoms = selectors.atoms_get_for_change(slugs=form.cleaned_data["slugs"], user=request.user)
    if form.cleaned_data["action"] == "tag":
        tag = form.cleaned_data["tag"].strip()
        changed = services.atoms_tag(atoms=atoms, tag=tag, by=request.user)
        messages.info(
            request, f"Tagged {len(changed)} atom(s) with {tag!r} ({len(atoms) - len(changed)} had it)."
        )
    else:
        state = form.cleaned_data["state"]
        done = services.atoms_review(atoms=atoms, state=state, by=request.user)
        messages.info(request, f"Set {len(done)} atom(s) to {ReviewState(state).label.lower()}.")
    return HttpResponseRedirect(back)


@require_POST
@allowed(Action.ATOM_CHANGE)
def atoms_load_library(request: AuthedHttpRequest) -> HttpResponse:
    """Load the hand-written library (what ``manage.py load_atoms`` does) and queue the
    validation of what changed; back to the list, which shows the job's bar."""
    report = services.library_load(by=request.user)
    changed = report.created + report.updated + report.forced
    messages.success(request, f"Atom library loaded: {report.summary()}.")
    if not changed:
        return redirect("atoms")
    job = services.atoms_validate_enqueue(by=request.user, slugs=changed)
    job_enqueue_report(request, job)
    return redirect(f"{reverse('atoms')}?job={job.pk}")


@require_POST
@allowed(Action.ATOM_CHANGE)
def atoms_validate_all(request: AuthedHttpRequest) -> HttpResponse:
    """Queue validation of every atom on the cpu worker; answers with a live progress bar."""
    job = services.atoms_validate_enqueue(by=request.user)
    job_enqueue_report(request, job)
    if not _is_htmx(request):
        return redirect("job", job.pk)
    return render_page(request, "core/job.html", {"job": job, "can_cancel": True}, partial="progress")


# --- import --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@allowed(Action.ATOM_CHANGE)
def atom_import(request: AuthedHttpRequest) -> HttpResponse:
    """Upload atom records: "Preview" shows what would be created, changed or rejected and
    why (by line); "Import" applies every good line."""
    if request.method == "GET":
        return render_page(request, "atoms/import.html", {"form": ImportForm()})
    form = ImportForm(request.POST, request.FILES)
    ctx: dict[str, Any] = {"form": form}
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            ctx["result"] = services.atoms_import(
                text=upload_lines(upload.file),  # a line at a time, never the whole file
                by=request.user,
                apply=request.POST.get("apply") == "1",
                filename=upload.name,
            )
        except RecordError as exc:
            form.add_error("file", str(exc))
        else:
            ctx["filename"] = upload.name
            job_enqueue_report(request, ctx["result"].job)
    return render_page(request, "atoms/import.html", ctx, partial="result")
