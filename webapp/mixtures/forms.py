"""Request parsing for the datasets pages: the builder's repeated item rows, a new mixture,
a benchmark upload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any, cast

from django import forms
from django.http import QueryDict

from webapp.core.forms import Form
from webapp.core.uploads import StagedUpload
from webapp.mixtures.benchmarks import MAX_BYTES, benchmark_name_problem
from webapp.mixtures.models import Benchmark, ItemLang, ItemRole
from webapp.mixtures.recipe import RATIO_RANGE, Item, RecipeError, mixture_name_problem, parse_ratio

#: What a new item row starts as: every record once, English, for training.
BLANK_ROW: dict[str, str] = {"source": "", "ratio": "100", "lang": ItemLang.EN, "role": ItemRole.TRAIN}


class ItemRowForm(Form):
    """One row of the builder's recipe table. Rows repeat, so their fields have no ids
    (``auto_id=False``) and are labelled for screen readers instead."""

    source = forms.ChoiceField(widget=forms.Select(attrs={"aria-label": "source"}))
    ratio = forms.CharField(
        widget=forms.TextInput(attrs={"aria-label": "ratio in percent", "size": 6, "inputmode": "decimal"})
    )
    lang = forms.ChoiceField(choices=ItemLang.choices, widget=forms.Select(attrs={"aria-label": "language"}))
    role = forms.ChoiceField(choices=ItemRole.choices, widget=forms.Select(attrs={"aria-label": "role"}))

    def __init__(self, row: dict[str, str], *, sources: list[str]) -> None:
        super().__init__(initial=row, auto_id=False)
        choices = [("", "—"), *((s, s) for s in sources)]
        if row.get("source") and row["source"] not in sources:
            choices.append((row["source"], f"{row['source']} (missing)"))
        cast(forms.ChoiceField, self.fields["source"]).choices = choices


@dataclass
class RecipeRow:
    """A row as typed, and what is wrong with it (shown in that row)."""

    values: dict[str, str]
    error: str = ""

    def form(self, sources: list[str]) -> ItemRowForm:
        return ItemRowForm(self.values, sources=sources)


@dataclass
class RecipeForm:
    """The builder's fields as posted: ``seed``, ``tokenizer`` and parallel lists
    ``source``/``ratio``/``lang``/``role`` (one entry per item row; rows without a source
    are ignored). ``rows`` keeps what was typed, each with its own error, so the page shows
    both back; ``field_errors`` holds the seed's and the tokenizer's; ``errors`` the rest."""

    seed: int = 0
    tokenizer: str = "whitespace"
    items: list[Item] = field(default_factory=list)
    rows: list[RecipeRow] = field(default_factory=list)
    field_errors: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and not self.field_errors and not any(r.error for r in self.rows)

    @property
    def all_errors(self) -> list[str]:
        """Every message, for a summary (each is also shown at its place)."""
        out = [f"{name}: {message}" for name, message in self.field_errors.items()]
        out += [f"row {i}: {r.error}" for i, r in enumerate(self.rows, start=1) if r.error]
        return out + self.errors

    @classmethod
    def from_post(cls, data: QueryDict) -> RecipeForm:
        """Parse and validate; problems are recorded where they belong rather than raised."""
        form = cls(tokenizer=(data.get("tokenizer") or "whitespace").strip())
        try:
            form.seed = int(data.get("seed") or 0)
        except ValueError:
            form.field_errors["seed"] = f"{data.get('seed')!r} is not a whole number"
        columns = [data.getlist(k) for k in ("source", "ratio", "lang", "role")]
        for source, ratio, lang, role in zip(*columns, strict=False):
            row = RecipeRow({"source": source.strip(), "ratio": ratio.strip(), "lang": lang, "role": role})
            if not row.values["source"]:
                continue
            form.rows.append(row)
            try:
                form.items.append(
                    Item(
                        source=row.values["source"],
                        ratio=parse_ratio(row.values["ratio"] or "100"),
                        lang=lang,
                        role=role,
                    )
                )
            except RecipeError as exc:
                row.error = str(exc)
        return form

    @classmethod
    def from_version(cls, seed: int, tokenizer: str, items: list[dict[str, Any]]) -> RecipeForm:
        """The form showing a stored recipe."""
        rows = [RecipeRow({k: str(v) for k, v in item.items()}) for item in items]
        return cls(seed=seed, tokenizer=tokenizer, rows=rows)


class MixtureNewForm(Form):
    """Name and seed of a new mixture; its sources are added in the builder."""

    name = forms.CharField(
        max_length=100,
        label="New mixture",
        help_text="letters, digits, '-', '_' and '.', starting with a letter or digit; e.g. paper-modify-600",
    )
    seed = forms.IntegerField(initial=0, help_text="the same seed and recipe give the same snapshot")

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        problem = mixture_name_problem(name)
        if problem:
            raise forms.ValidationError(problem)
        return name


class BenchmarkUploadForm(Form):
    """A HumanEval-format file to import as ``benchmark:<name>``. The file may come from an
    earlier submit that was refused (``staged``, kept server-side by
    :mod:`webapp.core.uploads`): a new file replaces it."""

    name = forms.CharField(
        max_length=64, help_text="lowercase letters, digits, '-' and '_' (at most 64), e.g. humaneval"
    )
    file = forms.FileField(label="File", required=False, help_text="HumanEval-format .jsonl or .jsonl.gz")
    replace = forms.BooleanField(required=False, label="replace a benchmark of this name")
    #: The token of the staged file (set by the page after a refused submit).
    staged = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, staged: StagedUpload | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staged_upload = staged

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if problem := benchmark_name_problem(name):
            raise forms.ValidationError(problem)
        return name

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None:
            if self.staged_upload is None:
                raise forms.ValidationError("choose the HumanEval-format file to import")
            return None
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        self.staged_upload = None  # a new file replaces the kept one
        return upload

    def source(self) -> tuple[IO[bytes], str]:
        """The file to import and its original name: the new upload, else the staged one."""
        upload = self.cleaned_data.get("file")
        if upload is not None:
            return upload.file, str(upload.name)
        assert self.staged_upload is not None  # clean_file refuses a submit with neither
        return self.staged_upload.open(), self.staged_upload.name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("name")
        if name and not data.get("replace") and Benchmark.objects.filter(name=name).exists():
            self.add_error("name", f"benchmark {name!r} already exists: pick another name, or tick replace")
        return data


__all__ = ["BLANK_ROW", "RATIO_RANGE", "BenchmarkUploadForm", "ItemRowForm", "MixtureNewForm", "RecipeForm"]
