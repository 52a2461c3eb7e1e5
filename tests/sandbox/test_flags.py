"""Static flags for code that reaches for the interpreter's machinery."""

from __future__ import annotations

import pytest

from sandbox.flags import scan_flags


@pytest.mark.parametrize(
    ("source", "flags"),
    [
        ("import sys\nf = sys._getframe(1)\n", ["getframe"]),
        ("def f():\n    return inspect.currentframe().f_back.f_locals\n", ["getframe"]),
        ("import gc\nobjs = gc.get_objects()\n", ["gc"]),
        ("from inspect import stack\n", ["inspect"]),
        ("import ctypes.util\n", ["ctypes"]),
        ("import os, signal\n", ["signal"]),
        ("import builtins\nbuiltins.print = None\n", ["builtins"]),
        ("__builtins__['len'] = max\n", ["builtins"]),
        ("m = __import__('gc')\n", ["builtins", "gc"]),
        ("getattr(sys, '_getframe')(0)\n", ["getframe"]),
        ("import atexit\n", ["atexit"]),
        ("import sys\nsys.exit(0)\n", ["exit"]),
        ("import os\nos._exit(0)\n", ["exit"]),
        ("def f(xs):\n    return sorted(xs)\n", []),
        ("# import gc, ctypes and sys._getframe are mentioned only in a comment\nx = 1\n", []),
    ],
)
def test_flags_name_what_the_code_reaches_for(source: str, flags: list[str]) -> None:
    assert scan_flags(source) == flags


def test_comparing_builtins_is_not_patching_them() -> None:
    assert scan_flags("import builtins\nok = builtins.len == len\n") == ["builtins"]
    assert scan_flags("x = builtins.len == len\n") == []
