"""Static flags: code that reaches for the interpreter's machinery (frames, the garbage
collector, ctypes, signals, builtins, process exits). Informational, for reviewers: a flag
never changes a verdict.

A text scan, run by the judge on the program as submitted (so the program cannot hide from
it at run time): comments are skipped, string literals are not, since
``getattr(sys, "_getframe")`` is exactly the kind of reach worth flagging. A scan rather
than a parse, because parsing untrusted source is the sandbox's job, not the caller's."""

from __future__ import annotations

import re

_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([\w., \t]+))", re.M)
_COMMENT = re.compile(r"#[^\n]*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Module (first dotted part) -> flag.
_MODULE_FLAGS = {
    "gc": "gc",
    "inspect": "inspect",
    "ctypes": "ctypes",
    "_ctypes": "ctypes",
    "signal": "signal",
    "builtins": "builtins",
    "atexit": "atexit",
    "traceback": "inspect",
    "subprocess": "subprocess",
    "socket": "socket",
    "multiprocessing": "fork",
}
# Identifier anywhere in the code -> flag.
_NAME_FLAGS = {
    "_getframe": "getframe",
    "_current_frames": "getframe",
    "f_back": "getframe",
    "f_globals": "getframe",
    "f_locals": "getframe",
    "tb_frame": "getframe",
    "gi_frame": "getframe",
    "cr_frame": "getframe",
    "settrace": "getframe",
    "setprofile": "getframe",
    "get_referrers": "gc",
    "get_objects": "gc",
    "__builtins__": "builtins",
    "__import__": "builtins",
    "_exit": "exit",
    "exit": "exit",
    "quit": "exit",
    "fork": "fork",
    "kill": "signal",
    "killpg": "signal",
    "system": "subprocess",
    "popen": "subprocess",
    "execv": "subprocess",
    "execve": "subprocess",
}


def scan_flags(source: str) -> list[str]:
    """Sorted flags for a program's source (see ``_MODULE_FLAGS`` and ``_NAME_FLAGS``)."""
    code = _COMMENT.sub("", source)
    found: set[str] = set()
    for match in _IMPORT.finditer(code):
        modules = [match[1]] if match[1] else match[2].split(",")
        for module in modules:
            name = module.strip().split(" ")[0].split(".")[0]
            found.add(_MODULE_FLAGS.get(name, ""))
    for word in set(_WORD.findall(code)):
        found.add(_NAME_FLAGS.get(word, ""))
        if word in ("gc", "ctypes", "inspect"):  # __import__("gc"), importlib.import_module
            found.add(word if re.search(rf"""['"]{word}['"]""", code) else "")
    if re.search(r"\bbuiltins\s*\.\s*\w+\s*=(?!=)", code):
        found.add("builtins")
    found.discard("")
    return sorted(found)
