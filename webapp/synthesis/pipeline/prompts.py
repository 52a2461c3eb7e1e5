"""English and Chinese prompts for a composite, written from its atoms' own prompts and its
shape: a numbered list of steps, each saying what it is applied to (and under which name
the atom's description refers to it), then the signature to implement.

The atoms' descriptions name their own parameters (``n``, ``xs``); a step says which value
plays that role, so the text reads without the code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from webapp.atoms.library.spec import Param
from webapp.synthesis.pipeline.atoms import PipelineAtom
from webapp.synthesis.pipeline.plan import Plan, Step

TYPE_EN: dict[str, str] = {
    "int": "an integer",
    "float": "a floating-point number",
    "str": "a string",
    "bool": "a boolean",
    "list[int]": "a list of integers",
    "list[float]": "a list of floating-point numbers",
    "list[str]": "a list of strings",
    "list[bool]": "a list of booleans",
    "list[list[int]]": "a list of lists of integers",
    "dict[str, int]": "a dictionary from strings to integers",
}
TYPE_ZH: dict[str, str] = {
    "int": "整数",
    "float": "浮点数",
    "str": "字符串",
    "bool": "布尔值",
    "list[int]": "整数列表",
    "list[float]": "浮点数列表",
    "list[str]": "字符串列表",
    "list[bool]": "布尔值列表",
    "list[list[int]]": "由整数列表组成的列表",
    "dict[str, int]": "从字符串到整数的字典",
}


def problem_prompt(text: str, signature: str) -> str:
    """The task text, then the signature to implement (as ``webapp.atoms.problems``)."""
    return f"{text}\n\n{signature}:\n"


def _ref(value: str, own: str, lang: str) -> str:
    """How a step names a value: ``value`` as given, plus the atom's own name for it."""
    if value.startswith("`") and value.strip("`") == own:
        return value
    return f"{value} (called `{own}` in this step)" if lang == "en" else f"{value}（这一步中记作 `{own}`）"


def _step(i: int | str, step: Step, atom: PipelineAtom, value: str, lang: str) -> str:
    extras = [_ref(f"`{name}`", p.name, lang) for name, p in zip(step.extra, atom.params[1:], strict=True)]
    own = atom.params[0].name
    if lang == "en":
        if step.each:
            head = (
                f"Step {i}, applied to each element of {value} (each element is called `{own}` in this step)"
            )
            if extras:
                head += ", together with " + " and ".join(extras)
            return f"{head}: {atom.prompt_en} Collect these results in a list, in the original order."
        head = f"Step {i}, applied to " + " and ".join([_ref(value, own, lang), *extras])
        return f"{head}: {atom.prompt_en}"
    if step.each:
        head = f"第 {i} 步，对{value}中的每个元素分别处理（这一步中把每个元素记作 `{own}`）"
        if extras:
            head += "，并使用" + "和".join(extras)
        return f"{head}：{atom.prompt_zh} 按原来的顺序把这些结果收集成一个列表。"
    head = f"第 {i} 步，作用于" + "和".join([_ref(value, own, lang), *extras])
    return f"{head}：{atom.prompt_zh}"


def _arm(
    steps: Sequence[Step], atoms: Mapping[str, PipelineAtom], start: str, lang: str, label: str = ""
) -> list[str]:
    lines: list[str] = []
    value = start
    for i, step in enumerate(steps, 1):
        lines.append(_step(f"{label}{i}", step, atoms[step.atom], value, lang))
        value = f"the result of step {label}{i}" if lang == "en" else f"第 {label}{i} 步的结果"
    return lines


def _params(params: Sequence[Param], lang: str) -> str:
    if lang == "en":
        return ", ".join(f"`{p.name}` ({TYPE_EN[p.type]})" for p in params)
    return "、".join(f"`{p.name}`（{TYPE_ZH[p.type]}）" for p in params)


def describe(plan: Plan, atoms: Mapping[str, PipelineAtom], lang: str) -> str:
    """The task text (without the signature) in ``lang`` (``en`` or ``zh``)."""
    start = f"`{plan.params[0].name}`"
    params = _params(plan.params, lang)
    if plan.shape == "branch" and plan.predicate:
        pred = atoms[plan.predicate.atom]
        check = _step("0", plan.predicate, pred, start, lang)
        then = _arm(plan.steps, atoms, start, lang, "A")
        other = _arm(plan.otherwise, atoms, start, lang, "B")
        if lang == "en":
            return "\n".join(
                [
                    f"Write a function that takes {params}. First decide which of two computations to run.",
                    "",
                    check.replace("Step 0,", "The condition,", 1),
                    "",
                    "If the condition is True, compute:",
                    *then,
                    "",
                    "Otherwise, compute:",
                    *other,
                    "",
                    f"Return the result of the computation that ran: {TYPE_EN[plan.returns]}.",
                ]
            )
        return "\n".join(
            [
                f"编写一个函数，参数为{params}。先判断要执行两种计算中的哪一种。",
                "",
                check.replace("第 0 步，", "判断条件，", 1),
                "",
                "如果条件为 True，依次计算：",
                *then,
                "",
                "否则，依次计算：",
                *other,
                "",
                f"返回实际执行的那一种计算的结果（{TYPE_ZH[plan.returns]}）。",
            ]
        )
    steps = _arm(plan.steps, atoms, start, lang)
    if lang == "en":
        intro = f"Write a function that takes {params} and performs the following steps in order."
        outro = f"Return the result of the last step: {TYPE_EN[plan.returns]}."
    else:
        intro = f"编写一个函数，参数为{params}，按顺序完成下列步骤。"
        outro = f"返回最后一步的结果（{TYPE_ZH[plan.returns]}）。"
    return "\n".join([intro, "", *steps, "", outro])


def prompts(plan: Plan, atoms: Mapping[str, PipelineAtom], signature: str) -> tuple[str, str]:
    """``(prompt_en, prompt_zh)``, each ending with the signature line."""
    return (
        problem_prompt(describe(plan, atoms, "en"), signature),
        problem_prompt(describe(plan, atoms, "zh"), signature),
    )
