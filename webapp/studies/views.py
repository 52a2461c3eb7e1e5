"""Study pages: the list, the launch form, a study (dependency graph, table, figure, summary)."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from webapp.core.access import Action, AuthedHttpRequest, Refused, allowed, require_reader
from webapp.core.htmx import render_page
from webapp.core.queue import queue_positions
from webapp.studies import services
from webapp.studies.analysis import table_cells
from webapp.studies.category_results import category_cells
from webapp.studies.design import DesignError, design_parse, template_names, template_text
from webapp.studies.exports import results_chart, results_path
from webapp.studies.forms import StudyNewForm
from webapp.studies.models import Study, StudyUnit
from webapp.studies.planning import plan_for
from webapp.studies.results import interim_results
from webapp.studies.selectors import study_data, study_design, units_with_curves
from webapp.studies.states import unit_state
from webapp.studies.timing import study_timing
from webapp.studies.validation import template_check


@require_GET
def study_list(request: AuthedHttpRequest) -> HttpResponse:
    require_reader(request.user)
    studies = Study.objects.select_related("created_by").order_by("-created_at")[:200]
    return render_page(request, "studies/list.html", {"studies": studies})


def _initial(request: AuthedHttpRequest) -> dict[str, Any]:
    """The form's first values; ``?edit=1`` loads the chosen template into the editor."""
    initial = {
        "template": request.GET.get("template", "sft_vs_rl"),
        "scale": request.GET.get("scale", "tiny"),
    }
    if request.GET.get("edit"):
        with suppress(DesignError):  # not a template: the form's template field says so
            initial["text"] = template_text(initial["template"])
    return initial


def _previews() -> dict[str, Any]:
    previews = {}
    for name in template_names():
        try:
            previews[name] = design_parse(template_text(name), scale="tiny")
        except DesignError:
            continue
    return previews


def _launch(request: AuthedHttpRequest, form: StudyNewForm) -> Study | services.StudyRefused:
    """Create the study the valid form asks for, or the refusal (its error set on the form)."""
    data = form.cleaned_data
    text = data["text"] if data["text"].strip() else template_text(data["template"])
    try:
        return services.study_create(
            by=request.user,
            template=data["template"],
            text=text,
            scale=data["scale"],
            seeds=data["seeds"],
            name=data["name"],
            contamination_override=data["contamination_override"],
        )
    except services.StudyRefused as exc:
        # One line next to the field; the editor's check below it shows the rest.
        form.add_error("text" if data["text"].strip() else "template", str(exc).splitlines()[0])
        return exc


@require_http_methods(["GET", "POST"])
@allowed(Action.RUN_LAUNCH)
def study_new(request: AuthedHttpRequest) -> HttpResponse:
    initial = _initial(request)
    form = StudyNewForm(request.POST or None, initial=initial)
    refusal: services.StudyRefused | None = None
    if request.method == "POST" and form.is_valid():
        launched = _launch(request, form)
        if isinstance(launched, Study):
            return redirect("study", study_id=launched.pk)
        refusal = launched
    check = refusal.check if refusal else None
    if check is None and initial.get("text") and request.method == "GET":
        check = template_check(initial["text"], scale=initial["scale"])
    asked = request.POST if request.method == "POST" else request.GET
    plan, plan_error = plan_for(
        template=asked.get("template") or "sft_vs_rl",
        text=asked.get("text", "") or initial.get("text", ""),
        scale=asked.get("scale") or "tiny",
        seeds=asked.get("seeds"),
    )
    context = {
        "form": form,
        "check": check,
        "previews": _previews(),
        "plan": plan,
        "plan_error": plan_error,
    }
    status = 400 if request.method == "POST" else 200
    return render_page(request, "studies/new.html", context, partial="plan", status=status)


@require_POST
@allowed(Action.RUN_LAUNCH)
def study_validate(request: AuthedHttpRequest) -> HttpResponse:
    """The editor's check as the researcher types: the launch's own checks on the text at the
    chosen scale (nothing is created), rendered next to the editor."""
    text = request.POST.get("text", "")
    scale = request.POST.get("scale") or "tiny"
    try:
        seeds = int(request.POST["seeds"]) if request.POST.get("seeds") else None
    except ValueError:
        seeds = None  # the seeds field says so itself on submit
    check = template_check(text, scale=scale, seeds=seeds) if text.strip() else None
    # The fragment whoever asks (only the editor does): a plain page here would have no form.
    return render(request, "studies/new.html#check", {"check": check})


def _graph(study: Study, design: Any) -> list[list[dict[str, Any]]]:
    """Arms in columns by dependency depth, each with its units' states (and a waiting or
    running job's place on the GPU queue)."""
    units: dict[str, list[dict[str, Any]]] = {}
    on_queue = queue_positions() if not study.finished else {}
    for u, curve in units_with_curves(study):
        job = u.eval_run if u.eval_run and not u.eval_run.finished else u.training_run
        where = on_queue.get(job.job_id) if job is not None else None
        units.setdefault(u.arm, []).append(
            {"unit": u, "state": unit_state(u), "curve": curve, "queue": where}
        )
    depth: dict[str, int] = {}
    for arm in design.arms:  # dependencies come first
        depth[arm.name] = depth[arm.depends_on] + 1 if arm.depends_on else 0
    columns: list[list[dict[str, Any]]] = [[] for _ in range(max(depth.values(), default=0) + 1)]
    for arm in design.arms:
        columns[depth[arm.name]].append({"arm": arm, "units": units.get(arm.name, [])})
    return columns


def _chart(study: Study) -> Any:
    results = study.results or {}
    cells = table_cells(results.get("table", []))
    return results_chart(study, cells) if cells else None


@require_GET
def study_detail(request: AuthedHttpRequest, study_id: int) -> HttpResponse:
    require_reader(request.user)
    study = get_object_or_404(Study.objects.select_related("created_by", "base_eval"), pk=study_id)
    design = study_design(study)
    context = {
        "study": study,
        "design": design,
        "columns": _graph(study, design),
        "chart": _chart(study),
        "data": study_data(study),
        "advance_attempts": services.ADVANCE_ATTEMPTS,
        "results": study.results or {},
        "interim": interim_results(study) if not study.results else None,
        "timing": study_timing(study),
        "category_rows": category_cells(study.results or {}),
        "file_labels": [
            ("table_csv", "table (CSV)"),
            ("svg", "figure (SVG)"),
            ("png", "figure (PNG)"),
            ("csv", "figure data (CSV)"),
        ],
    }
    return render_page(request, "studies/detail.html", context, partial="status")


@require_POST
@allowed(Action.RUN_LAUNCH)
def unit_resume(request: AuthedHttpRequest, study_id: int, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(
        StudyUnit.objects.select_related("training_run", "eval_run"), pk=unit_id, study_id=study_id
    )
    try:
        services.unit_resume(unit=unit, by=request.user)
    except services.StudyRefused as exc:
        raise Refused(str(exc)) from exc
    return redirect("study", study_id=study_id)


@require_POST
@allowed(Action.RUN_LAUNCH)
def study_retry(request: AuthedHttpRequest, study_id: int) -> HttpResponse:
    study = get_object_or_404(Study, pk=study_id)
    try:
        services.study_retry(study=study, by=request.user)
    except services.StudyRefused as exc:
        raise Refused(str(exc)) from exc
    return redirect("study", study_id=study_id)


@require_POST
@allowed(Action.RUN_LAUNCH)
def study_cancel(request: AuthedHttpRequest, study_id: int) -> HttpResponse:
    study = get_object_or_404(Study, pk=study_id)
    services.study_cancel(study=study, by=request.user)
    return redirect("study", study_id=study_id)


@require_GET
def study_file(request: AuthedHttpRequest, study_id: int, key: str) -> HttpResponseBase:
    require_reader(request.user)
    study = get_object_or_404(Study, pk=study_id)
    if key == "template":
        response = HttpResponse(study.template_text, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{study.template}-study{study.pk}.yaml"'
        return response
    path = results_path(study, key)
    if path is None:
        raise Http404("no such file for this study yet")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"study{study.pk}-{path.name}")


@require_GET
def template_download(request: AuthedHttpRequest, name: str) -> HttpResponse:
    require_reader(request.user)
    try:
        text = template_text(name)
    except DesignError as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.yaml"'
    return response
