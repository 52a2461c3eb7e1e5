"""Pull the program out of a model's answer: markdown fences, leading and trailing prose,
reasoning blocks, a whole function or only its body. One function, used by evaluation and
by the RL rewards alike, so that both judge exactly the same program."""

from __future__ import annotations

import ast
import re
import textwrap

_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S)
_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\n]*)$")
_PYTHON_INFOS = {"", "python", "py", "python3", "py3", "pycon", "ipython", "sage"}
# A line that can start a top-level Python program (where leading prose stops).
_CODE_START = re.compile(r"^(from\s+[\w.]+\s+import\s|import\s+\w|def\s+\w|async\s+def\s+\w|class\s+\w|@\w)")
_IMPORT_LINE = re.compile(r"^(from\s+[\w.]+\s+import\s+.+|import\s+[\w., ]+)$")


def extract_code(text: str, entry_point: str | None = None, prompt: str | None = None) -> str:
    """The program to judge from a model's answer ``text``.

    - Reasoning (``<think>…</think>``) is dropped; fenced blocks win over loose text: among
      Python (or unlabelled) blocks, the last one that defines ``entry_point``, else the
      longest one. An unclosed fence (a truncated answer) runs to the end.
    - Without fences, prose before the first line that starts Python code and after the
      longest prefix that parses is dropped.
    - A body completion (no ``def entry_point`` in the answer) is indented under the
      prompt's signature when ``prompt`` is code that defines ``entry_point``.
    - A whole function gets the prompt's imports and helpers in front of it when ``prompt``
      is code (the answer's definition comes later, so it wins).
    """
    text = _THINK.sub("", text.replace("\r\n", "\n"))
    if "</think>" in text:  # the opening tag was part of the chat template
        text = text.rsplit("</think>", 1)[1]
    blocks = _fenced_blocks(text)
    code = _choose_block(blocks, entry_point) if blocks else _loose_code(text, entry_point)
    code = code.strip("\n")
    if not code.strip():
        return ""
    if entry_point and prompt is not None:
        if not _defines(code, entry_point):
            return _attach_body(code, entry_point, prompt)
        return _with_prompt_context(code, prompt)
    return code + "\n"


def _fenced_blocks(text: str) -> list[tuple[str, str]]:
    """``(info, code)`` of every fenced block, in order."""
    blocks: list[tuple[str, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info = match["fence"], match["info"].strip().lower()
        body: list[str] = []
        i += 1
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                break
            body.append(lines[i])
            i += 1
        i += 1
        info_word = info.split()[0] if info else ""
        blocks.append((info_word, textwrap.dedent("\n".join(body))))
    return blocks


def _choose_block(blocks: list[tuple[str, str]], entry_point: str | None) -> str:
    python = [code for info, code in blocks if info in _PYTHON_INFOS] or [c for _, c in blocks]
    if entry_point:
        defining = [code for code in python if _defines(code, entry_point)]
        if defining:
            return defining[-1]
    return max(python, key=len)


def _loose_code(text: str, entry_point: str | None) -> str:
    lines = text.split("\n")
    if entry_point and not _defines(text, entry_point):
        return _loose_body(lines)
    starts = [i for i, line in enumerate(lines) if _CODE_START.match(line)]
    if not starts:
        return text
    start = starts[0]
    if entry_point:
        def_line = next(i for i in starts if _defines(lines[i], entry_point))
        start = _run_start(lines, [i for i in starts if i <= def_line], def_line)
    return _longest_parsing_prefix(lines[start:])


def _loose_body(lines: list[str]) -> str:
    """A body completion with possible prose around it: the first, longest run of lines
    that parses once dedented. Prose sits at column 0, so only such lines end a run."""
    ends = [len(lines)] + [
        i for i in range(len(lines) - 1, 0, -1) if lines[i][:1].strip() and lines[i].strip()
    ]
    for start, line in enumerate(lines):
        if not line.strip():
            continue
        for end in ends:
            if end > start and _parses(textwrap.dedent("\n".join(lines[start:end]))):
                return "\n".join(lines[start:end])
    return "\n".join(lines)


def _run_start(lines: list[str], starts: list[int], def_line: int) -> int:
    """Walk back from the entry point's def over code lines (imports, helpers, decorators),
    stopping at prose: the earliest start from which the text up to the def parses."""
    best = def_line
    for i in reversed(starts):
        if _parses("\n".join(lines[i:def_line]) or "pass"):
            best = i
        else:
            break
    return best


def _longest_parsing_prefix(lines: list[str]) -> str:
    """Drop trailing prose: the longest prefix ending before a column-0 line that parses."""
    if _parses("\n".join(lines)):
        return "\n".join(lines)
    for end in range(len(lines) - 1, 0, -1):
        if lines[end] and not lines[end][0].isspace() and _parses("\n".join(lines[:end])):
            return "\n".join(lines[:end])
    return "\n".join(lines)


def _attach_body(body: str, entry_point: str, prompt: str) -> str:
    """Put a function body under the prompt's signature."""
    if not _defines(prompt, entry_point):
        return body + "\n"
    lines = body.split("\n")
    first = next((ln for ln in lines if ln.strip()), "")
    if not first[:1].isspace():
        body = textwrap.indent(textwrap.dedent(body), "    ")
    head = prompt if prompt.endswith("\n") else prompt + "\n"
    return head + body + "\n"


def _with_prompt_context(code: str, prompt: str) -> str:
    """The prompt's imports and helpers, then the answer (whose definitions win)."""
    if not _defines(prompt, _first_def_name(prompt) or "") or code.lstrip().startswith(prompt.strip()[:200]):
        # Natural-language prompt, or the answer already repeats the prompt.
        return code + "\n"
    if _parses(prompt):
        return prompt.rstrip("\n") + "\n\n\n" + code + "\n"
    imports = [line for line in prompt.split("\n") if _IMPORT_LINE.match(line)]
    return "\n".join([*imports, "", code]).lstrip("\n") + "\n"


def _defines(code: str, name: str) -> bool:
    return bool(re.search(rf"^(async\s+)?def\s+{re.escape(name)}\s*\(", code, re.M))


def _first_def_name(code: str) -> str | None:
    match = re.search(r"^(?:async\s+)?def\s+(\w+)\s*\(", code, re.M)
    return match[1] if match else None


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
