"""Pygments highlighting of generated code for the detail page (its stylesheet is
``static/synthesis/pygments.css``, made with ``HtmlFormatter().get_style_defs(".highlight")``)."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from pygments import highlight  # type: ignore[import-untyped]
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexers import PythonLexer  # type: ignore[import-untyped]

_FORMATTER = HtmlFormatter(cssclass="highlight", linenos=False)


def highlight_python(source: str) -> SafeString:
    """``source`` as highlighted HTML (Pygments escapes the code itself)."""
    return mark_safe(str(highlight(source, PythonLexer(), _FORMATTER)))
