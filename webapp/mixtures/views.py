"""Pages of the datasets section: mixtures and their builder, snapshots with statistics,
contamination and downloads, benchmark imports. Views stay thin (STYLE rule 1): parse the
request, call one selector or service, render the page or, for htmx, its named partial."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from webapp.accounts.models import Role
from webapp.core.access import role_required
from webapp.core.htmx import fragment_only, render_page
from webapp.core.problems import source_names
from webapp.core.selectors import job_can_cancel
from webapp.mixtures import selectors, services
from webapp.mixtures.budget import BudgetError, check_total
from webapp.mixtures.contamination import BLOCKING, KINDS, LABELS, Params
from webapp.mixtures.forms import (
    LANG_CHOICES,
    ROLE_CHOICES,
    BenchmarkUploadForm,
    MixtureNewForm,
    RecipeForm,
)
from webapp.mixtures.models import Mixture, MixtureVersion
from webapp.mixtures.storage import snapshot_file
from webapp.mixtures.tokenizing import tokenizer_names

BUILDER = "mixtures/builder.html"
#: What a new item row starts as: every record once, English, for training.
BLANK_ROW = {"source": "", "ratio": "100", "lang": "en", "role": "train"}


# --- mixtures -------------------------------------------------------------------------------


@require_GET
def mixture_list(request: HttpRequest) -> HttpResponse:
    """The section's entry page: every mixture, and a form to start one."""
    context = {
        "mixtures": selectors.mixture_list(),
        "form": MixtureNewForm(),
        "can_change": selectors.can_change(request.user),
    }
    return render_page(request, "mixtures/list.html", context)


@require_POST
@role_required(Role.RESEARCHER)
def mixture_new(request: HttpRequest) -> HttpResponse:
    """Create an empty mixture and open its builder."""
    form = MixtureNewForm(request.POST)
    if form.is_valid():
        try:
            mixture = services.mixture_create(
                name=form.cleaned_data["name"],
                seed=form.cleaned_data["seed"],
                by=request.user,  # type: ignore[arg-type]
            )
        except services.RecipeError as exc:
            form.add_error("name", str(exc))
        else:
            return redirect("mixture", mixture_id=mixture.pk)
    context = {"mixtures": selectors.mixture_list(), "form": form, "can_change": True}
    return render_page(request, "mixtures/list.html", context, status=400)


def _builder_context(
    request: HttpRequest, mixture: Mixture, recipe: RecipeForm | None = None, **extra: Any
) -> dict[str, Any]:
    version: MixtureVersion = mixture.latest
    if recipe is None:
        recipe = RecipeForm.from_version(version.seed, version.tokenizer, version.items)
    return {
        "mixture": mixture,
        "version": version,
        "recipe": recipe,
        "rows": recipe.rows or [BLANK_ROW],
        "sources": source_names(),
        "langs": LANG_CHOICES,
        "roles": ROLE_CHOICES,
        "tokenizers": tokenizer_names(),
        "snapshots": selectors.snapshot_list().filter(version__mixture=mixture),
        "can_change": selectors.can_change(request.user),
        **extra,
    }


@require_GET
def mixture_builder(request: HttpRequest, mixture_id: int) -> HttpResponse:
    """The builder: the latest version's recipe, a live preview, the freeze button, and
    (after a freeze was queued, ``?job=ID``) its progress."""
    mixture = selectors.mixture_get(mixture_id=mixture_id)
    job = None
    if request.GET.get("job", "").isdigit():
        job = selectors.freeze_job_get(job_id=int(request.GET["job"]))
    return render_page(request, BUILDER, _builder_context(request, mixture, job=job))


@require_GET
@fragment_only(part_of="the mixture builder", page_url="datasets", page_label="Datasets")
def mixture_item_row(request: HttpRequest) -> HttpResponse:
    """One empty item row (the builder's "Add source" button appends it)."""
    context = {"row": BLANK_ROW, "sources": source_names()}
    return render_page(
        request, BUILDER, {**context, "langs": LANG_CHOICES, "roles": ROLE_CHOICES}, partial="item-row"
    )


@require_POST
@role_required(Role.RESEARCHER)  # part of writing a recipe; counting sources is not free
@fragment_only(part_of="the mixture builder", page_url="datasets", page_label="Datasets")
def mixture_preview(request: HttpRequest) -> HttpResponse:
    """Counts each item would contribute, before anything is saved or frozen; a recipe past
    the size budget says so here, before a save or freeze is refused for it."""
    recipe = RecipeForm.from_post(request.POST)
    try:
        lines = services.mixture_preview(items=recipe.items)
    except BudgetError as exc:
        recipe.errors.append(str(exc))
        lines = []
    totals = {role: sum(x.rows for x in lines if x.item.role == role) for role, _ in ROLE_CHOICES}
    total = sum(totals.values())
    try:
        check_total(total)
    except BudgetError as exc:
        recipe.errors.append(str(exc))
    context = {"lines": lines, "recipe": recipe, "total": total, "totals": totals}
    return render_page(request, BUILDER, context, partial="preview")


def _recipe_action(request: HttpRequest, mixture_id: int, *, freeze: bool) -> HttpResponse:
    mixture = selectors.mixture_get_for_change(mixture_id=mixture_id, user=request.user)
    recipe = RecipeForm.from_post(request.POST)
    if not recipe.errors:
        try:
            fields = {"seed": recipe.seed, "tokenizer": recipe.tokenizer, "items": recipe.items}
            if freeze:
                job = services.mixture_freeze_enqueue(mixture=mixture, by=request.user, **fields)  # type: ignore[arg-type]
                return redirect(f"{reverse('mixture', args=[mixture.pk])}?job={job.pk}")
            version = services.mixture_save(mixture=mixture, by=request.user, **fields)  # type: ignore[arg-type]
            messages.success(request, f"Saved as version {version.number}.")
            return redirect("mixture", mixture_id=mixture.pk)
        except (services.RecipeError, services.TokenizerError) as exc:
            recipe.errors.append(str(exc))
    return render_page(request, BUILDER, _builder_context(request, mixture, recipe), status=400)


@require_POST
def mixture_save(request: HttpRequest, mixture_id: int) -> HttpResponse:
    """Store the recipe (a frozen version is kept; the edit becomes the next version)."""
    return _recipe_action(request, mixture_id, freeze=False)


@require_POST
def mixture_freeze(request: HttpRequest, mixture_id: int) -> HttpResponse:
    """Store the recipe and queue its freeze on the cpu worker."""
    return _recipe_action(request, mixture_id, freeze=True)


def _freeze_status_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """A freeze's progress opened in the browser: its mixture's builder, which shows it."""
    job = selectors.freeze_job_get(job_id=job_id)
    mixture_id = selectors.freeze_job_mixture_id(job=job)
    if mixture_id is None:
        return redirect("datasets")
    return redirect(f"{reverse('mixture', args=[mixture_id])}?job={job.pk}")


@require_GET
@fragment_only(
    part_of="the mixture builder", page_url="datasets", page_label="Datasets", fallback=_freeze_status_page
)
def freeze_status(request: HttpRequest, job_id: int) -> HttpResponse:
    """A freeze job's progress, and a link to its snapshot once it finished."""
    job = selectors.freeze_job_get(job_id=job_id)
    context = {"job": job, "can_cancel": job_can_cancel(job=job, user=request.user)}
    return render_page(request, BUILDER, context, partial="freeze")


# --- snapshots ------------------------------------------------------------------------------


@require_GET
def snapshot_list(request: HttpRequest) -> HttpResponse:
    """Every frozen snapshot, newest first."""
    return render_page(request, "mixtures/snapshots.html", {"snapshots": selectors.snapshot_list()})


def _contamination_context(request: HttpRequest, sha: str) -> dict[str, Any]:
    snapshot = selectors.snapshot_get(sha=sha)
    context: dict[str, Any] = {"snapshot": snapshot, "eval_choices": selectors.snapshot_eval_choices()}
    wanted = request.GET.get("eval", "")
    if wanted and "train" in snapshot.roles:
        other = selectors.snapshot_get(sha=wanted)
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
def snapshot_detail(request: HttpRequest, sha: str) -> HttpResponse:
    """A snapshot's recipe, counts, token statistics, first rows, downloads and a
    contamination report against a chosen eval snapshot (``?eval=HASH``)."""
    context = _contamination_context(request, sha)
    context["sample"] = selectors.snapshot_sample(snapshot=context["snapshot"])
    return render_page(request, "mixtures/snapshot.html", context)


@require_GET
def snapshot_contamination(request: HttpRequest, sha: str) -> HttpResponse:
    """The contamination section of the snapshot page (htmx)."""
    return render_page(
        request, "mixtures/snapshot.html", _contamination_context(request, sha), partial="contamination"
    )


@require_GET
def snapshot_download(request: HttpRequest, sha: str, fmt: str) -> FileResponse:
    """The snapshot as JSONL (its stored file) or Parquet (derived once, then kept)."""
    snapshot = selectors.snapshot_get(sha=sha)
    if fmt == "parquet":
        path = services.snapshot_parquet(snapshot=snapshot)
        content_type = "application/vnd.apache.parquet"
    else:
        path = str(snapshot_file(snapshot.sha256))
        content_type = "application/jsonl"
    return FileResponse(
        open(path, "rb"),  # FileResponse closes it
        as_attachment=True,
        filename=f"{snapshot.sha256}.{fmt}",
        content_type=content_type,
    )


# --- benchmarks -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def benchmark_list(request: HttpRequest) -> HttpResponse:
    """Imported benchmarks, and the upload form (POST imports, researchers only)."""
    form = BenchmarkUploadForm()
    status = 200
    if request.method == "POST":
        selectors.require_change(request.user)
        form = BenchmarkUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                benchmark = services.benchmark_import(
                    name=form.cleaned_data["name"],
                    data=upload.file,  # streamed line by line, never read whole
                    by=request.user,  # type: ignore[arg-type]
                    file_name=upload.name,
                    replace=form.cleaned_data["replace"],
                )
            except services.BenchmarkImportError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(
                    request, f"Imported {benchmark.problem_count} problems as benchmark:{benchmark.name}."
                )
                return redirect("benchmarks")
        status = 400
    context = {
        "benchmarks": selectors.benchmark_list(),
        "form": form,
        "can_change": selectors.can_change(request.user),
    }
    return render_page(request, "mixtures/benchmarks.html", context, status=status)
