"""Pages of the datasets section: mixtures and their builder, snapshots with statistics,
contamination and downloads, benchmark imports. Views stay thin (STYLE rule 1): parse the
request, call one selector or service, render the page or, for htmx, its named partial."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from webapp.core.access import Action, AuthedHttpRequest, allowed, require
from webapp.core.htmx import announce_finished, fragment_only, render_page
from webapp.core.jobs import job_enqueue_report
from webapp.core.paging import page_of
from webapp.core.problems import source_names
from webapp.core.selectors import job_can_cancel
from webapp.core.uploads import stage_upload, staged_drop, staged_upload
from webapp.mixtures import selectors, services
from webapp.mixtures.budget import BudgetError, check_total
from webapp.mixtures.contamination import BLOCKING, KINDS, LABELS, Params
from webapp.mixtures.drafts import draft_drop, draft_get, draft_keep
from webapp.mixtures.forms import (
    BLANK_ROW,
    RATIO_RANGE,
    BenchmarkUploadForm,
    MixtureNewForm,
    RecipeForm,
    RecipeRow,
)
from webapp.mixtures.models import Benchmark, Mixture, MixtureVersion
from webapp.mixtures.recipe_file import recipe_dump
from webapp.mixtures.storage import snapshot_file
from webapp.mixtures.tokenizing import tokenizer_names

BUILDER = "mixtures/builder.html"
PAGE_SIZE = 50


# --- mixtures -------------------------------------------------------------------------------


def _list_page(request: AuthedHttpRequest, form: MixtureNewForm, *, status: int = 200) -> HttpResponse:
    context = {"mixtures": selectors.mixture_list(fetched_by=request.user), "form": form}
    return render_page(request, "mixtures/list.html", context, status=status)


@require_GET
def mixture_list(request: AuthedHttpRequest) -> HttpResponse:
    """The section's entry page: every mixture, and a form to start one."""
    return _list_page(request, MixtureNewForm())


@require_http_methods(["GET", "POST"])
@allowed(Action.MIXTURE_CHANGE)
def mixture_new(request: AuthedHttpRequest) -> HttpResponse:
    """Create an empty mixture and open its builder (GET shows the form on the list page)."""
    if request.method == "GET":
        return _list_page(request, MixtureNewForm())
    form = MixtureNewForm(request.POST)
    if form.is_valid():
        try:
            mixture = services.mixture_create(
                name=form.cleaned_data["name"], seed=form.cleaned_data["seed"], by=request.user
            )
        except services.RecipeError as exc:
            form.add_error("name", str(exc))
        else:
            return redirect("mixture", mixture_id=mixture.pk)
    return _list_page(request, form, status=400)


def _builder_context(
    request: AuthedHttpRequest, mixture: Mixture, recipe: RecipeForm | None = None, **extra: Any
) -> dict[str, Any]:
    version: MixtureVersion = mixture.latest
    if recipe is None:
        recipe = RecipeForm.from_version(version.seed, version.tokenizer, version.items)
    sources = source_names()
    rows = recipe.rows or [RecipeRow(dict(BLANK_ROW))]
    return {
        "mixture": mixture,
        "version": version,
        "recipe": recipe,
        "rows": [(row.form(sources), row.error) for row in rows],
        "ratio_range": RATIO_RANGE,
        "tokenizers": tokenizer_names(),
        "snapshots": selectors.snapshot_list(fetched_by=request.user).filter(version__mixture=mixture),
        **extra,
    }


@require_GET
def mixture_builder(request: AuthedHttpRequest, mixture_id: int) -> HttpResponse:
    """The builder: the latest version's recipe, a live preview, the freeze button, and
    (after a freeze was queued, ``?job=ID``) its progress. The status partial (header,
    freeze progress, snapshots) refreshes itself when the freeze job finishes."""
    mixture = selectors.mixture_get(mixture_id=mixture_id, fetched_by=request.user)
    if request.GET.get("draft") == "discard":
        draft_drop(request, mixture.pk)  # this session's own draft: nothing stored changes
        return redirect("mixture", mixture_id=mixture.pk)
    job = None
    if request.GET.get("job", "").isdigit():
        job = selectors.freeze_job_get(job_id=int(request.GET["job"]), fetched_by=request.user)
    draft = draft_get(request, mixture.pk)
    context = _builder_context(
        request,
        mixture,
        draft,
        job=job,
        can_cancel=job is not None and job_can_cancel(job=job, user=request.user),
        draft_restored=draft is not None,
    )
    return render_page(request, BUILDER, context, partial="status")


@require_GET
def mixture_recipe(request: AuthedHttpRequest, mixture_id: int) -> HttpResponse:
    """The latest version's recipe as a YAML file, for ``manage.py freeze_mixture NAME
    --recipe FILE`` (or ``?version=N`` for an earlier one)."""
    mixture = selectors.mixture_get(mixture_id=mixture_id, fetched_by=request.user)
    wanted = request.GET.get("version", "")
    version = (
        get_object_or_404(MixtureVersion, mixture=mixture, number=int(wanted))
        if wanted.isdigit()
        else mixture.latest
    )
    response = HttpResponse(recipe_dump(version), content_type="application/yaml; charset=utf-8")
    filename = f"{slugify(mixture.name) or 'mixture'}-v{version.number}.recipe.yaml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@fragment_only(part_of="the mixture builder", page_url="datasets", page_label="Datasets")
def mixture_item_row(request: AuthedHttpRequest) -> HttpResponse:
    """One empty item row (the builder's "Add source" button appends it)."""
    require(request.user, Action.MIXTURE_CHANGE)
    row = RecipeRow(dict(BLANK_ROW))
    return render_page(request, BUILDER, {"form": row.form(source_names()), "error": ""}, partial="item-row")


@require_POST
@allowed(Action.MIXTURE_CHANGE)  # part of writing a recipe; counting sources is not free
@fragment_only(part_of="the mixture builder", page_url="datasets", page_label="Datasets")
def mixture_preview(request: AuthedHttpRequest) -> HttpResponse:
    """Counts each item would contribute, before anything is saved or frozen; a recipe past
    the size budget says so here, before a save or freeze is refused for it."""
    recipe = RecipeForm.from_post(request.POST)
    try:
        lines = services.mixture_preview(items=recipe.items)
    except BudgetError as exc:
        recipe.errors.append(str(exc))
        lines = []
    totals = {"train": 0, "eval": 0}
    for line in lines:
        totals[line.item.role] = totals.get(line.item.role, 0) + line.rows
    total = sum(totals.values())
    try:
        check_total(total)
    except BudgetError as exc:
        recipe.errors.append(str(exc))
    context = {"lines": lines, "recipe": recipe, "total": total, "totals": totals}
    return render_page(request, BUILDER, context, partial="preview")


def _recipe_action(request: AuthedHttpRequest, mixture_id: int, *, freeze: bool) -> HttpResponse:
    mixture = selectors.mixture_get_for_change(mixture_id=mixture_id, user=request.user)
    recipe = RecipeForm.from_post(request.POST)
    response = _recipe_store(request, mixture, recipe, freeze=freeze)
    if response is not None:
        draft_drop(request, mixture.pk)
        return response
    draft_keep(request, mixture.pk, request.POST, recipe)  # a reload shows it, not the old version
    context = _builder_context(request, mixture, recipe, draft_restored=False, draft_kept=True)
    return render_page(request, BUILDER, context, status=400)


def _recipe_store(
    request: AuthedHttpRequest, mixture: Mixture, recipe: RecipeForm, *, freeze: bool
) -> HttpResponse | None:
    """Save (and maybe freeze) ``recipe``; the redirect on success, ``None`` with the
    problems recorded on ``recipe`` otherwise."""
    if recipe.valid:
        try:
            if freeze:
                job = services.mixture_freeze_enqueue(
                    mixture=mixture,
                    by=request.user,
                    seed=recipe.seed,
                    tokenizer=recipe.tokenizer,
                    items=recipe.items,
                )
                job_enqueue_report(request, job)
                return redirect(f"{reverse('mixture', args=[mixture.pk])}?job={job.pk}")
            version = services.mixture_save(
                mixture=mixture,
                by=request.user,
                seed=recipe.seed,
                tokenizer=recipe.tokenizer,
                items=recipe.items,
            )
            messages.success(request, f"Saved as version {version.number}.")
            return redirect("mixture", mixture_id=mixture.pk)
        except services.TokenizerError as exc:
            recipe.field_errors["tokenizer"] = str(exc)
        except services.RecipeError as exc:
            recipe.errors.append(str(exc))
    return None


@require_POST
def mixture_save(request: AuthedHttpRequest, mixture_id: int) -> HttpResponse:
    """Store the recipe (a frozen version is kept; the edit becomes the next version)."""
    return _recipe_action(request, mixture_id, freeze=False)


@require_POST
def mixture_freeze(request: AuthedHttpRequest, mixture_id: int) -> HttpResponse:
    """Store the recipe and queue its freeze on the cpu worker."""
    return _recipe_action(request, mixture_id, freeze=True)


def _freeze_status_page(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    """A freeze's progress opened in the browser: its mixture's builder, which shows it."""
    job = selectors.freeze_job_get(job_id=job_id, fetched_by=request.user)
    mixture_id = selectors.freeze_job_mixture_id(job=job)
    if mixture_id is None:
        return redirect("datasets")
    return redirect(f"{reverse('mixture', args=[mixture_id])}?job={job.pk}")


@require_GET
@fragment_only(
    part_of="the mixture builder", page_url="datasets", page_label="Datasets", fallback=_freeze_status_page
)
def freeze_status(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    """A freeze job's progress bar (the builder shows it through the job's own address; this
    one stays for links made before)."""
    job = selectors.freeze_job_get(job_id=job_id, fetched_by=request.user)
    context = {"job": job, "can_cancel": job_can_cancel(job=job, user=request.user)}
    response = render_page(request, "core/job.html", context, partial="progress")
    return announce_finished(request, response, job)


# --- snapshots ------------------------------------------------------------------------------


@require_GET
def snapshot_list(request: AuthedHttpRequest) -> HttpResponse:
    """Every frozen snapshot, newest first."""
    return render_page(
        request, "mixtures/snapshots.html", {"snapshots": selectors.snapshot_list(fetched_by=request.user)}
    )


def _contamination_context(request: AuthedHttpRequest, sha: str) -> dict[str, Any]:
    snapshot = selectors.snapshot_get(sha=sha, fetched_by=request.user)
    context: dict[str, Any] = {
        "snapshot": snapshot,
        "eval_choices": selectors.snapshot_eval_choices(fetched_by=request.user),
    }
    wanted = request.GET.get("eval", "")
    if wanted and "train" in snapshot.roles:
        other = selectors.snapshot_get(sha=wanted, fetched_by=request.user)
        try:
            params = Params(
                ngram=int(request.GET.get("ngram") or 8), jaccard=float(request.GET.get("jaccard") or 0.5)
            )
            report = services.contamination_report(train=snapshot, eval=other, params=params)
        except ValueError as exc:
            context["report_error"] = str(exc)
        else:
            context["report"] = report
            context["checks"] = [
                {"kind": k, "label": LABELS[k], "hit": report.eval_hit[k], "pairs": report.pairs[k],
                 "examples": report.examples[k][:10], "blocking": k in BLOCKING}
                for k in KINDS
            ]  # fmt: skip
        context["eval_snapshot"] = other
    return context


@require_GET
def snapshot_detail(request: AuthedHttpRequest, sha: str) -> HttpResponse:
    """A snapshot's recipe, counts, token statistics, first rows, downloads, the reports
    computed with it, and a contamination report against a chosen eval snapshot
    (``?eval=HASH``)."""
    context = _contamination_context(request, sha)
    snapshot = context["snapshot"]
    context["sample"] = selectors.snapshot_sample(snapshot=snapshot)
    context["reports"] = selectors.snapshot_reports(snapshot=snapshot, fetched_by=request.user)
    from webapp.training.selectors import runs_of_snapshot

    context["runs"] = runs_of_snapshot(snapshot=snapshot, fetched_by=request.user)
    return render_page(request, "mixtures/snapshot.html", context)


@require_GET
def snapshot_contamination(request: AuthedHttpRequest, sha: str) -> HttpResponse:
    """The contamination section of the snapshot page (htmx)."""
    return render_page(
        request, "mixtures/snapshot.html", _contamination_context(request, sha), partial="contamination"
    )


@require_GET
def snapshot_download(request: AuthedHttpRequest, sha: str, fmt: str) -> FileResponse:
    """The snapshot as JSONL (its stored file, named by its own SHA-256) or Parquet (derived
    once, then kept; its bytes differ, so its name says it was derived from that JSONL)."""
    snapshot = selectors.snapshot_get(sha=sha, fetched_by=request.user)
    if fmt == "parquet":
        path = services.snapshot_parquet(snapshot=snapshot)
        content_type = "application/vnd.apache.parquet"
        filename = services.parquet_filename(snapshot)
    else:
        path = str(snapshot_file(snapshot.sha256))
        content_type = "application/jsonl"
        filename = f"{snapshot.sha256}.jsonl"
    return FileResponse(
        open(path, "rb"),  # FileResponse closes it
        as_attachment=True,
        filename=filename,
        content_type=content_type,
    )


# --- benchmarks -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def benchmark_list(request: AuthedHttpRequest) -> HttpResponse:
    """Imported benchmarks, and the upload form (POST imports, researchers only). A refused
    import keeps its file server-side (a staged upload), so fixing the name needs no new pick."""
    form = BenchmarkUploadForm()
    if request.method == "POST":
        require(request.user, Action.BENCHMARK_CHANGE)
        staged = staged_upload(request, request.POST.get("staged", ""))
        form = BenchmarkUploadForm(request.POST, request.FILES, staged=staged)
        benchmark = _benchmark_import(request, form)
        if benchmark is not None:
            messages.success(
                request, f"Imported {benchmark.problem_count} problems as benchmark:{benchmark.name}."
            )
            return redirect("benchmark", name=benchmark.name)
    context = {"benchmarks": selectors.benchmark_list(fetched_by=request.user), "form": form}
    return render_page(request, "mixtures/benchmarks.html", context, status=400 if form.errors else 200)


def _benchmark_import(request: AuthedHttpRequest, form: BenchmarkUploadForm) -> Benchmark | None:
    """Import what ``form`` holds (a new file or the staged one); on any refusal keep a new
    file staged and return ``None`` (the errors are on the form, each at its field)."""
    if form.is_valid():
        data, file_name = form.source()
        try:
            with data:
                benchmark = services.benchmark_import(
                    name=form.cleaned_data["name"],
                    data=data,  # streamed line by line, never read whole
                    by=request.user,
                    file_name=file_name,
                    replace=form.cleaned_data["replace"],
                )
        except services.BenchmarkImportError as exc:
            form.add_error(exc.field, str(exc))
        else:
            staged_drop(request, form.staged_upload)
            return benchmark
    upload = request.FILES.get("file")
    if upload is not None and "file" not in form.errors:
        staged_drop(request, form.staged_upload)
        form.staged_upload = stage_upload(request, upload)
    return None


@require_GET
def benchmark_detail(request: AuthedHttpRequest, name: str) -> HttpResponse:
    """One benchmark: its problems page by page, and the mixtures and snapshots using it."""
    benchmark = selectors.benchmark_get(name=name, fetched_by=request.user)
    source = selectors.benchmark_source(benchmark)
    context = {
        "benchmark": benchmark,
        "source": source,
        "page": page_of(request, selectors.benchmark_problems(benchmark=benchmark), PAGE_SIZE),
        "mixtures": selectors.mixtures_using_source(source=source, fetched_by=request.user),
        "snapshots": selectors.snapshots_using_source(source=source, fetched_by=request.user),
    }
    return render_page(request, "mixtures/benchmark.html", context, partial="problems")


@require_POST
def benchmark_delete(request: AuthedHttpRequest, name: str) -> HttpResponse:
    """Delete a benchmark no mixture draws from; snapshots keep their rows (files)."""
    benchmark = selectors.benchmark_get_for_change(name=name, user=request.user)
    try:
        services.benchmark_delete(benchmark=benchmark, by=request.user)
    except services.BenchmarkInUse as exc:
        messages.error(request, str(exc))
        return redirect("benchmark", name=name)
    messages.success(request, f"Deleted benchmark:{name}. Snapshots that hold its rows keep them.")
    return redirect("benchmarks")
