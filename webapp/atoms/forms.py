"""Forms of the atoms pages. They turn a POST into content (``webapp.atoms.content``) and
say precisely what is wrong next to each field; they never write anything.

Two kinds of message: an *error* stops the save because the input cannot be stored as
content at all (a duplicate slug, cases that are not JSON); a *warning* (a syntax error, a
signature that does not match the code, a case with the wrong number of arguments) is shown
next to its field while the atom is still saved, as an invalid draft, so no work is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from django import forms

from sandbox import jsonlimit
from webapp.atoms.checks import FieldProblems, atom_problems, by_field
from webapp.atoms.content import Content
from webapp.atoms.importing import MAX_IMPORT_BYTES
from webapp.atoms.library.spec import ALLOWED_TYPES
from webapp.atoms.models import Atom, Lang, ReviewState, ValidationStatus
from webapp.atoms.records import RecordError, check_cases, check_slug, parse_cases_json
from webapp.atoms.selectors import atom_slug_taken
from webapp.core.forms import Form

TYPE_CHOICES = [(t, t) for t in sorted(ALLOWED_TYPES)]
DIFFICULTY_CHOICES = [(d, str(d)) for d in (1, 2, 3, 4, 5)]
#: Parameter rows the editor shows beyond the atom's own (without JavaScript, the only way
#: to add parameters).
SPARE_PARAM_ROWS = 2
CASE_SOURCES = [("json", "JSON"), ("table", "table")]


def _text(required: bool = True, rows: int = 4, **attrs: Any) -> Any:
    return forms.CharField(
        required=required, strip=False, widget=forms.Textarea(attrs={"rows": rows, **attrs})
    )


def parse_tags(text: str) -> list[str]:
    """``"a, b,,a"`` -> ``["a", "b"]``: comma separated, trimmed, no repeats, order kept."""
    out: list[str] = []
    for tag in (t.strip() for t in text.split(",")):
        if tag and tag not in out:
            out.append(tag)
    return out


@dataclass
class ParamRow:
    """One row of the parameter table."""

    name: str
    type: str

    def type_select(self, number: int) -> str:
        """The row's type menu, from the one list of allowed types (a stored type outside it
        is kept as an extra choice, so opening an old atom does not silently change it)."""
        choices = list(TYPE_CHOICES)
        if self.type not in dict(choices):
            choices.append((self.type, self.type))
        widget = forms.Select(
            choices=choices,
            attrs={"aria-label": f"parameter {number} type", "data-default": "int"},
        )
        return widget.render("param_type", self.type)  # safe HTML: Django marks a widget's output


@dataclass
class CaseCell:
    """One row of a case table as typed (JSON text), for re-showing what the author wrote."""

    args: str
    expected: str


class AtomForm(forms.Form):
    """Create or edit an atom and its modified variant."""

    slug = forms.CharField(max_length=64, required=False)
    topic = forms.CharField(max_length=32)
    entry_point = forms.CharField(max_length=64, required=False, help_text="defaults to the slug")
    #: The parameter table arrives as param_name/param_type lists; this field only carries
    #: its errors, so they show next to the table.
    params = forms.CharField(required=False, widget=forms.HiddenInput)
    returns = forms.ChoiceField(choices=TYPE_CHOICES, initial="int")
    prompt_en = _text(required=False)
    prompt_zh = _text(required=False)
    original_lang = forms.ChoiceField(choices=Lang.choices, initial=Lang.EN)
    solution = _text(required=False, rows=10, spellcheck="false", **{"class": "code"})
    cases_json = _text(required=False, rows=8, spellcheck="false", **{"class": "code"})
    cases_source = forms.ChoiceField(choices=CASE_SOURCES, initial="json", required=False)
    difficulty = forms.TypedChoiceField(choices=DIFFICULTY_CHOICES, coerce=int, initial=1)
    tags = forms.CharField(required=False, help_text="comma separated")
    modify_change = forms.CharField(max_length=300, required=False)
    modify_prompt_en = _text(required=False)
    modify_prompt_zh = _text(required=False)
    modify_solution = _text(required=False, rows=10, spellcheck="false", **{"class": "code"})
    modify_cases_json = _text(required=False, rows=8, spellcheck="false", **{"class": "code"})
    modify_cases_source = forms.ChoiceField(choices=CASE_SOURCES, initial="json", required=False)
    message = forms.CharField(max_length=300, required=False, help_text="what you changed, for the history")
    #: The version the editor was opened at, so a save over someone else's newer one is
    #: caught (services.EditConflict) instead of silently undoing it.
    base_version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    #: How the page names each field (in the "not saved" summary, for instance).
    LABELS: dict[str, str] = {
        "params": "Parameters",
        "returns": "Return type",
        "prompt_en": "English prompt",
        "prompt_zh": "Chinese prompt",
        "original_lang": "Written first in",
        "solution": "Reference solution",
        "cases_json": "Cases",
        "modify_change": "What the variant changes",
        "modify_prompt_en": "Variant English prompt",
        "modify_prompt_zh": "Variant Chinese prompt",
        "modify_solution": "Variant solution",
        "modify_cases_json": "Variant cases",
        "message": "Revision note",
    }

    def __init__(self, *args: Any, atom: Atom | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            self.fields[name].label = label
        self.atom = atom
        if atom is not None:
            self.fields["slug"].disabled = True  # renaming would break runs that name it
            self.fields["slug"].initial = atom.slug
        self.warnings: FieldProblems = {}
        self._content: Content | None = None
        self._initial_params: list[ParamRow] = []

    @classmethod
    def for_content(cls, *, slug: str, content: Content, atom: Atom | None = None) -> AtomForm:
        """An unbound form showing ``content`` (the saved atom, or a template)."""
        modify = content.get("modify") or {}
        form = cls(
            atom=atom,
            initial={
                "slug": slug,
                **{k: content[k] for k in ("topic", "entry_point", "returns", "prompt_en", "prompt_zh")},
                "original_lang": content["original_lang"],
                "solution": content["solution"],
                "cases_json": cases_to_json(content["cases"]),
                "difficulty": content["difficulty"],
                "tags": ", ".join(content["tags"]),
                "modify_change": modify.get("change", ""),
                "modify_prompt_en": modify.get("prompt_en", ""),
                "modify_prompt_zh": modify.get("prompt_zh", ""),
                "modify_solution": modify.get("solution", ""),
                "modify_cases_json": cases_to_json(modify.get("cases", [])),
                "base_version": atom.version if atom is not None else None,
            },
        )
        form._initial_params = [ParamRow(p["name"], p["type"]) for p in content["params"]]
        form.warnings = by_field(atom_problems(content))  # a saved draft still shows what is wrong
        return form

    # --- what the template shows ------------------------------------------------------------

    @property
    def param_rows(self) -> list[ParamRow]:
        """The parameter table: what was submitted (or the atom's), plus spare blank rows."""
        if self.is_bound:
            names = _getlist(self.data, "param_name")
            types = _getlist(self.data, "param_type")
            rows = [ParamRow(n.strip(), t) for n, t in zip(names, types, strict=False) if n.strip()]
        else:
            rows = list(self._initial_params)
        return rows + [ParamRow("", "int") for _ in range(SPARE_PARAM_ROWS)]

    def json_broken(self, prefix: str) -> bool:
        """Whether the submitted JSON of these cases is what the author edited and it does
        not parse (so nothing was saved and the table cannot follow it)."""
        return (
            self.is_bound
            and self.data.get(f"{prefix}cases_source") != "table"
            and bool(self.errors.get(f"{prefix}cases_json"))
        )

    @property
    def param_table(self) -> list[tuple[ParamRow, str]]:
        """The parameter rows with their type menus, for the template."""
        return [(row, row.type_select(i)) for i, row in enumerate(self.param_rows, start=1)]

    def case_cells(self, prefix: str) -> list[CaseCell]:
        """The case table as typed, or built from the JSON when the JSON was the source."""
        if self.is_bound and self.data.get(f"{prefix}cases_source") == "table":
            return _table_rows(self.data, prefix)
        text = self[f"{prefix}cases_json"].value() or "[]"
        try:
            cases = check_cases(jsonlimit.loads(text, max_depth=jsonlimit.UPLOAD_MAX_DEPTH))
        except (ValueError, RecordError):
            return []  # the JSON is what was submitted; the table cannot show it (see json_broken)
        return [CaseCell(json.dumps(c["args"], ensure_ascii=False), json.dumps(c["expected"])) for c in cases]

    # --- cleaning ----------------------------------------------------------------------------

    def clean_slug(self) -> str:
        if self.atom is not None:
            return self.atom.slug
        slug = (self.cleaned_data.get("slug") or "").strip()
        try:
            check_slug(slug)
        except RecordError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if atom_slug_taken(slug=slug):
            raise forms.ValidationError(f"an atom named {slug!r} already exists; choose another slug")
        return slug

    def clean_entry_point(self) -> str:
        value = (self.cleaned_data.get("entry_point") or "").strip()
        if value and not value.isidentifier():
            raise forms.ValidationError(f"{value!r} is not a Python identifier")
        return value

    def _clean_cases(self, prefix: str) -> list[dict[str, Any]] | None:
        label = "the variant's cases" if prefix else "cases"
        if self.data.get(f"{prefix}cases_source") == "table":
            try:
                return _cases_from_table(self.data, prefix)
            except RecordError as exc:
                self.add_error(f"{prefix}cases_json", str(exc))
                return None
        text = self.cleaned_data.get(f"{prefix}cases_json") or ""
        if not text.strip():
            return []
        try:
            return parse_cases_json(text, label=label)
        except RecordError as exc:
            self.add_error(f"{prefix}cases_json", str(exc))
            return None

    def _clean_params(self) -> list[dict[str, str]] | None:
        rows = [r for r in self.param_rows if r.name]
        seen: set[str] = set()
        for r in rows:
            if not r.name.isidentifier():
                self.add_error("params", f"parameter {r.name!r} is not a Python identifier")
                return None
            if r.name in seen:
                self.add_error("params", f"parameter {r.name!r} appears twice")
                return None
            seen.add(r.name)
        return [{"name": r.name, "type": r.type} for r in rows]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        params = self._clean_params()
        cases = self._clean_cases("")
        modify_cases = self._clean_cases("modify_")
        if self.errors or params is None or cases is None or modify_cases is None:
            return data
        slug = data["slug"]
        self._content = {
            "topic": data["topic"].strip(),
            "entry_point": data.get("entry_point") or slug,
            "params": params,
            "returns": data["returns"],
            "prompt_en": data.get("prompt_en", "").strip(),
            "prompt_zh": data.get("prompt_zh", "").strip(),
            "original_lang": data["original_lang"],
            "solution": _code(data.get("solution", "")),
            "cases": cases,
            "difficulty": data["difficulty"],
            "tags": parse_tags(data.get("tags", "")),
            "modify": {
                "change": data.get("modify_change", "").strip(),
                "prompt_en": data.get("modify_prompt_en", "").strip(),
                "prompt_zh": data.get("modify_prompt_zh", "").strip(),
                "solution": _code(data.get("modify_solution", "")),
                "cases": modify_cases,
            },
        }
        self.warnings = by_field(atom_problems(self._content))
        return data

    def content(self) -> Content:
        """The content the form describes (only after ``is_valid()``)."""
        assert self._content is not None, "call is_valid() first"
        return self._content


def _getlist(data: Any, key: str) -> list[str]:
    """All values of ``key`` in a QueryDict (or a plain dict of lists, as tests may pass)."""
    if hasattr(data, "getlist"):
        return [str(v) for v in data.getlist(key)]
    value = data.get(key, [])
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _code(text: str) -> str:
    # Browsers send CRLF from textareas; keep the stored source in Unix line endings with
    # one final newline, like the library's, so a save without changes is no change.
    text = text.replace("\r\n", "\n").strip("\n")
    return text + "\n" if text.strip() else ""


def cases_to_json(cases: list[dict[str, Any]]) -> str:
    """The editor's JSON for cases: one case per line, easy to edit and to diff."""
    if not cases:
        return "[]"
    inner = ",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in cases)
    return f"[\n{inner}\n]"


def _table_rows(data: Any, prefix: str) -> list[CaseCell]:
    args = _getlist(data, f"{prefix}case_args")
    expected = _getlist(data, f"{prefix}case_expected")
    return [CaseCell(a, e) for a, e in zip(args, expected, strict=False) if a.strip() or e.strip()]


def _cases_from_table(data: Any, prefix: str) -> list[dict[str, Any]]:
    out = []
    for i, cell in enumerate(_table_rows(data, prefix)):
        try:
            args = jsonlimit.loads(cell.args, max_depth=jsonlimit.UPLOAD_MAX_DEPTH)
        except json.JSONDecodeError as exc:
            raise RecordError(
                f"case {i}: args are not valid JSON ({exc.msg}); write them as a list, e.g. [1, 2]"
            ) from exc
        if not isinstance(args, list):
            raise RecordError(f"case {i}: args must be a JSON list, e.g. [1, 2]")
        try:
            expected = jsonlimit.loads(cell.expected, max_depth=jsonlimit.UPLOAD_MAX_DEPTH)
        except json.JSONDecodeError as exc:
            raise RecordError(f"case {i}: expected is not valid JSON ({exc.msg})") from exc
        out.append({"args": args, "expected": expected})
    return out


#: The list's sort orders (keys of ``selectors.SORTS``) as the sort menu names them.
SORT_CHOICES = [
    ("topic", "Topic"),
    ("slug", "Name A–Z"),
    ("-slug", "Name Z–A"),
    ("difficulty", "Easiest first"),
    ("-difficulty", "Hardest first"),
    ("status", "Validation status"),
    ("review", "Review state"),
    ("-updated", "Recently changed"),
]
ANY = [("", "any")]


class AtomFilterForm(Form):
    """The list page's filter bar, rendered from these fields (the values are parsed by
    ``selectors.AtomFilters.from_query``, which ignores anything unknown)."""

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "name or prompt text"}),
    )
    topic = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, label="Validation", choices=ANY + ValidationStatus.choices)
    review = forms.ChoiceField(required=False, choices=ANY + ReviewState.choices)
    difficulty = forms.ChoiceField(
        required=False, choices=ANY + [(str(d), label) for d, label in DIFFICULTY_CHOICES]
    )
    tag = forms.ChoiceField(required=False)
    lang = forms.ChoiceField(required=False, label="Original language")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def __init__(
        self,
        data: Any,
        *,
        topics: list[tuple[str, int]],
        tags: list[str],
        langs: dict[str, int],
    ) -> None:
        super().__init__(data)
        wanted = str(data.get("topic") or "")
        topic_choices = [(t, f"{t} ({n})") for t, n in topics]
        if wanted and wanted not in dict(topics):
            topic_choices.append((wanted, f"{wanted} (0)"))
        cast(forms.ChoiceField, self.fields["topic"]).choices = ANY + topic_choices
        cast(forms.ChoiceField, self.fields["tag"]).choices = ANY + [(t, t) for t in tags]
        # Every atom has both prompts; this is the one written first, so say how many each has.
        cast(forms.ChoiceField, self.fields["lang"]).choices = ANY + [
            (code, f"{label} ({langs.get(code, 0)})") for code, label in Lang.choices
        ]


class AnnotateForm(Form):
    """Tags, difficulty and notes, from the detail page."""

    tags = forms.CharField(required=False, help_text="comma separated")
    difficulty = forms.TypedChoiceField(choices=DIFFICULTY_CHOICES, coerce=int)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(forms.Form):
    state = forms.ChoiceField(choices=ReviewState.choices)


class BulkForm(forms.Form):
    """A bulk action on the atoms ticked in the list."""

    ACTIONS = [("tag", "Add tag"), ("review", "Set review state")]

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.Select(attrs={"aria-label": "Bulk action"}))
    slugs = forms.MultipleChoiceField(choices=[], error_messages={"required": "tick at least one atom"})
    tag = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "tag", "aria-label": "Tag to add", "class": "short"}),
    )
    state = forms.ChoiceField(
        choices=ReviewState.choices, required=False, widget=forms.Select(attrs={"aria-label": "Review state"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any slug is accepted here; the selector keeps only atoms that exist.
        slugs = cast(forms.MultipleChoiceField, self.fields["slugs"])
        slugs.choices = [(s, s) for s in _getlist(self.data, "slugs")] if self.is_bound else []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "tag" and not (data.get("tag") or "").strip():
            self.add_error("tag", "name the tag to add")
        if data.get("action") == "review" and not data.get("state"):
            self.add_error("state", "choose a review state")
        return data


class ReviewQueueForm(Form):
    """Which review queue to walk."""

    state = forms.ChoiceField(
        choices=ReviewState.choices,
        label="Queue",
        widget=forms.Select(attrs={"aria-label": "Queue", "data-autosubmit": ""}),
    )


class ImportForm(Form):
    file = forms.FileField(help_text="JSONL: one atom record per line, as the export writes")

    def clean_file(self) -> Any:
        # Refused by its size before a byte of it is read (a 220 MB file was read whole).
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            mb = MAX_IMPORT_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"the file is {upload.size / 2**20:.0f} MB; at most {mb} MB")
        return upload
