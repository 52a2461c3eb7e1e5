"""Parsing the human forms of run parameters (``A=1000,B=300``, ``2-3``), shared by the
management command and the form."""

from __future__ import annotations


def parse_pools(text: str) -> dict[str, int]:
    """``"A=1000,B=300,C=300"`` → ``{"A": 1000, "B": 300, "C": 300}`` (order kept)."""
    pools: dict[str, int] = {}
    for part in text.split(","):
        name, sep, count = part.strip().partition("=")
        name = name.strip()
        if not sep or not name or not count.strip().isdigit():
            raise ValueError(f"bad pool {part.strip()!r}: write NAME=COUNT, e.g. A=1000")
        if name in pools:
            raise ValueError(f"pool {name!r} named twice")
        pools[name] = int(count)
    return pools


def parse_depth(text: str) -> tuple[int, int]:
    """``"2-3"`` → ``(2, 3)``; ``"3"`` → ``(3, 3)``."""
    low, _, high = text.strip().partition("-")
    try:
        lo, hi = int(low), int(high or low)
    except ValueError:
        raise ValueError(f"bad depth {text!r}: write LOW-HIGH, e.g. 2-3") from None
    return lo, hi
