"""Pygments highlighting of Python for every page that shows code. The token colours live
in ``core/pygments.css`` (linked from base.html), generated for both wrapper classes in use
(``hl`` on atom pages, ``highlight`` on composite pages) by
``HtmlFormatter().get_style_defs([".hl", ".highlight"])``."""

from __future__ import annotations

from functools import cache

from django.utils.safestring import SafeString, mark_safe
from pygments import highlight  # type: ignore[import-untyped]  # no stubs
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexers import PythonLexer  # type: ignore[import-untyped]

_LEXER = PythonLexer()


@cache
def _formatter(cssclass: str) -> HtmlFormatter:
    return HtmlFormatter(cssclass=cssclass)


def highlight_python(code: str, *, cssclass: str = "hl") -> SafeString:
    """``code`` as highlighted HTML inside ``<div class="{cssclass}">`` (Pygments escapes it)."""
    return mark_safe(str(highlight(code, _LEXER, _formatter(cssclass))))
