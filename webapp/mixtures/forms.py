"""Request parsing for the datasets pages: the builder's repeated item rows, a new mixture,
a benchmark upload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict

from webapp.mixtures.benchmarks import MAX_BYTES
from webapp.mixtures.models import ItemLang, ItemRole
from webapp.mixtures.recipe import Item, RecipeError, parse_ratio


@dataclass
class RecipeForm:
    """The builder's fields as posted: ``seed``, ``tokenizer`` and parallel lists
    ``source``/``ratio``/``lang``/``role`` (one entry per item row; rows without a source
    are ignored). ``rows`` keeps what was typed so the page can show it back."""

    seed: int = 0
    tokenizer: str = "whitespace"
    items: list[Item] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_post(cls, data: QueryDict) -> RecipeForm:
        """Parse and validate; problems go to ``errors`` rather than raising."""
        form = cls(tokenizer=(data.get("tokenizer") or "whitespace").strip())
        try:
            form.seed = int(data.get("seed") or 0)
        except ValueError:
            form.errors.append(f"seed {data.get('seed')!r} is not a whole number")
        columns = [data.getlist(k) for k in ("source", "ratio", "lang", "role")]
        for number, (source, ratio, lang, role) in enumerate(zip(*columns, strict=False), start=1):
            row = {"source": source.strip(), "ratio": ratio.strip(), "lang": lang, "role": role}
            if not row["source"]:
                continue
            form.rows.append(row)
            try:
                form.items.append(
                    Item(source=row["source"], ratio=parse_ratio(row["ratio"] or "100"), lang=lang, role=role)
                )
            except RecipeError as exc:
                form.errors.append(f"row {number}: {exc}")
        return form

    @classmethod
    def from_version(cls, seed: int, tokenizer: str, items: list[dict[str, Any]]) -> RecipeForm:
        """The form showing a stored recipe."""
        rows = [{k: str(v) for k, v in item.items()} for item in items]
        return cls(seed=seed, tokenizer=tokenizer, rows=rows)


#: Choices the item rows offer.
LANG_CHOICES = ItemLang.choices
ROLE_CHOICES = ItemRole.choices


class MixtureNewForm(forms.Form):
    """Name and seed of a new mixture; its sources are added in the builder."""

    name = forms.CharField(max_length=100)
    seed = forms.IntegerField(initial=0)


class BenchmarkUploadForm(forms.Form):
    """A HumanEval-format file to import as ``benchmark:<name>``."""

    name = forms.SlugField(max_length=64, help_text="lowercase, e.g. humaneval")
    file = forms.FileField(help_text="HumanEval-format .jsonl or .jsonl.gz")
    replace = forms.BooleanField(required=False, help_text="overwrite a benchmark of this name")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        return upload
