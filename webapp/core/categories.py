"""How pages name and colour the verdict categories (``sandbox.categories``): one label and
one colour per category, for the run pages (rollout shares, their chart, the rollouts table)
and the evaluation pages (generations, comparison, tables) alike. Core holds it because both
training and evaluation import from here (an app imports only from below it).

Colours come from the charts' palette (Okabe & Ito, ``webapp.core.charts.PALETTE``), chosen
so the meaning carries: green passed, orange wrong answer, vermillion runtime error; ``no_code``
is grey (nothing ran). Pages draw a category's swatch as an SVG ``fill`` (the Content-Security-
Policy forbids inline styles), charts pass the same colour in the spec.
"""

from __future__ import annotations

from sandbox.categories import Category

#: What every page calls each category.
CATEGORY_LABELS: dict[Category, str] = {
    Category.PASSED: "Passed",
    Category.WRONG_ANSWER: "Wrong answer",
    Category.RUNTIME_ERROR: "Runtime error",
    Category.SYNTAX_ERROR: "Syntax error",
    Category.TIMEOUT: "Timeout",
    Category.CRASHED: "Crashed",
    Category.TAMPERING: "Tampering",
    Category.NO_CODE: "No code",
}

#: The colour of each category on every page and chart.
CATEGORY_COLOURS: dict[Category, str] = {
    Category.PASSED: "#009E73",  # bluish green
    Category.WRONG_ANSWER: "#E69F00",  # orange
    Category.RUNTIME_ERROR: "#D55E00",  # vermillion
    Category.SYNTAX_ERROR: "#CC79A7",  # reddish purple
    Category.TIMEOUT: "#56B4E9",  # sky blue
    Category.CRASHED: "#000000",  # black
    Category.TAMPERING: "#0072B2",  # blue
    Category.NO_CODE: "#999999",  # grey
}

#: ``(value, label)`` pairs in the vocabulary's order, for model fields and filters.
CATEGORY_CHOICES: list[tuple[str, str]] = [(c.value, CATEGORY_LABELS[c]) for c in Category]

#: A name outside the vocabulary (an older worker's): shown as written, in this grey.
UNKNOWN_COLOUR = "#777777"


def category_label(name: str) -> str:
    """The label of category ``name``; a name outside the vocabulary is shown as written."""
    try:
        return CATEGORY_LABELS[Category(name)]
    except ValueError:
        return name.replace("_", " ")


def category_colour(name: str) -> str:
    """The colour of category ``name`` (:data:`UNKNOWN_COLOUR` outside the vocabulary)."""
    try:
        return CATEGORY_COLOURS[Category(name)]
    except ValueError:
        return UNKNOWN_COLOUR
