"""extract_code on the shapes chat models answer in."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from sandbox import extract_code

PROMPT = (
    "from typing import List\n\n\n"
    "def total(xs: List[int]) -> int:\n"
    '    """Sum the list.\n'
    "    >>> total([1, 2])\n"
    "    3\n"
    '    """\n'
)
BODY = "    return sum(xs)\n"
FUNCTION = "def total(xs):\n    return sum(xs)\n"


def runs(program: str, value: list[int] = [1, 2, 3]) -> int:  # noqa: B006  # read-only
    namespace: dict[str, Any] = {}
    exec(compile(program, "<extracted>", "exec"), namespace)
    return int(namespace["total"](value))


def test_a_fenced_python_block_is_taken_without_the_prose() -> None:
    text = f"Sure! Here is the function:\n\n```python\n{FUNCTION}```\n\nIt sums the list."
    assert extract_code(text, "total") == FUNCTION


@pytest.mark.parametrize(
    "fence", ["```python", "```py", "```Python3", "```", "~~~python", "   ```python", "````python"]
)
def test_fence_spellings_are_recognised(fence: str) -> None:
    close = fence.strip().rstrip("Python3").rstrip("python").rstrip("py") or "```"
    text = f"Answer:\n{fence}\n{FUNCTION}{close}\nDone."
    assert runs(extract_code(text, "total")) == 6


def test_the_block_defining_the_entry_point_wins_over_usage_examples() -> None:
    text = (
        f"```python\n{FUNCTION}```\n\nUsage:\n\n```python\nprint(total([1, 2]))\n```\n"
        "```bash\npython solution.py\n```"
    )
    assert extract_code(text, "total") == FUNCTION


def test_the_last_definition_wins_when_the_model_revises_itself() -> None:
    first = "def total(xs):\n    return 0\n"
    text = f"First try:\n```python\n{first}```\nOops, fixed:\n```python\n{FUNCTION}```"
    assert extract_code(text, "total") == FUNCTION


def test_an_unclosed_fence_from_a_truncated_answer_runs_to_the_end() -> None:
    assert extract_code(f"Here:\n```python\n{FUNCTION}", "total") == FUNCTION


def test_without_an_entry_point_the_longest_python_block_is_taken() -> None:
    text = "```python\nx = 1\n```\n```python\nimport math\nprint(math.pi)\n```"
    assert extract_code(text) == "import math\nprint(math.pi)\n"


def test_non_python_blocks_are_ignored_when_a_python_one_exists() -> None:
    text = f"```text\nsome output that is long enough\n```\n```python\n{FUNCTION}```"
    assert extract_code(text, "total") == FUNCTION


def test_leading_and_trailing_prose_around_loose_code_is_dropped() -> None:
    text = f"Here is my solution.\n\n{FUNCTION}\nThis works because sum adds.\nHope it helps!"
    assert extract_code(text, "total") == FUNCTION


def test_imports_and_helpers_before_the_function_are_kept() -> None:
    code = (
        "import math\n\n"
        "def helper(x):\n    return x\n\n"
        "def total(xs):\n    return sum(helper(x) for x in xs)\n"
    )
    text = f"I will write a helper first.\n\n{code}\nThat's it."
    extracted = extract_code(text, "total")
    assert extracted == code and runs(extracted) == 6


def test_reasoning_blocks_are_dropped() -> None:
    text = f"<think>Maybe def total(xs): return 0? No.</think>\n```python\n{FUNCTION}```"
    assert extract_code(text, "total") == FUNCTION
    # A template that opened the reasoning itself leaves only the closing tag.
    assert extract_code(f"I think... def total(x)\n</think>\n{FUNCTION}", "total") == FUNCTION


def test_a_body_completion_is_placed_under_the_prompts_signature() -> None:
    program = extract_code(BODY, "total", PROMPT)
    assert program == PROMPT + BODY and runs(program) == 6


def test_an_unindented_body_is_indented_under_the_signature() -> None:
    program = extract_code("s = 0\nfor x in xs:\n    s += x\nreturn s", "total", PROMPT)
    assert runs(program) == 6


def test_a_fenced_body_with_prose_is_placed_under_the_signature() -> None:
    text = f"The body is:\n```python\n{BODY}```\nThat is all."
    assert runs(extract_code(text, "total", PROMPT)) == 6


def test_a_loose_body_with_prose_around_it_keeps_only_the_code() -> None:
    program = extract_code(f"The body:\n{BODY}That is all.", "total", PROMPT)
    assert program == PROMPT + BODY


def test_a_full_function_gets_the_prompts_imports_and_helpers() -> None:
    # The answer uses List without importing it: the prompt's import makes it run.
    answer = "```python\ndef total(xs: List[int]) -> int:\n    return sum(xs)\n```"
    program = extract_code(answer, "total", PROMPT)
    assert program.startswith("from typing import List") and runs(program) == 6


def test_an_answer_repeating_the_prompt_is_not_doubled() -> None:
    program = extract_code(PROMPT + BODY, "total", PROMPT)
    assert program.count("def total") == 1 and runs(program) == 6


def test_a_natural_language_prompt_is_not_prepended() -> None:
    prompt = "Write a function total(xs) that returns the sum of a list."
    assert extract_code(f"```python\n{FUNCTION}```", "total", prompt) == FUNCTION


def test_windows_line_endings_are_normalised() -> None:
    text = f"```python\r\n{FUNCTION.replace(chr(10), chr(13) + chr(10))}```"
    assert extract_code(text, "total") == FUNCTION


def test_an_async_entry_point_is_recognised() -> None:
    code = "async def total(xs):\n    return sum(xs)\n"
    assert extract_code(f"Here:\n```python\n{code}```", "total") == code


def test_an_answer_without_code_gives_an_empty_program_or_its_text() -> None:
    assert extract_code("") == ""
    assert extract_code("```python\n```") == ""
    assert extract_code("I cannot solve this.", "total") == "I cannot solve this.\n"


@pytest.mark.parametrize(
    "text",
    [
        f"```python\n{FUNCTION}```",
        f"Solution:\n\n{FUNCTION}",
        f"{FUNCTION}\n# test\nprint(total([1]))\n",
        f"```\n{FUNCTION}\n\nif __name__ == '__main__':\n    print(total([1]))\n```",
    ],
)
def test_extracted_programs_parse_and_define_the_entry_point(text: str) -> None:
    program = extract_code(text, "total", PROMPT)
    tree = ast.parse(program)
    assert any(isinstance(n, ast.FunctionDef) and n.name == "total" for n in tree.body)
    assert runs(program) == 6
