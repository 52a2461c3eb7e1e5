"""The workflow a study follows, and what the dashboard says about each stage of it.

:data:`WORKFLOW` is the list of stages in the order a researcher goes through them. Each
stage's app registers a *summary* function in its ``AppConfig.ready``
(:func:`register_summary`, so core names no app) that reads its app's state for the
dashboard: counts, whether the stage is *ready* (it holds what the next stage needs), what to
do while it is empty, the action that does it, and recent activity. The first stage that is
not ready is the researcher's next step. A stage whose app is not built yet has no summary;
the dashboard and its placeholder page say so.

Adding a stage (training runs, evaluations) is one entry here plus that app's summary,
registered by the app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from webapp.core.access import Action, can


@dataclass(frozen=True)
class Count:
    """One figure on a stage's card, optionally a link to the list it counts."""

    label: str
    value: int
    url: str = ""
    tone: str = ""  # "ok", "bad", "warn" or "" (the badge colours)


@dataclass(frozen=True)
class Activity:
    """One recent event, for the dashboard's activity list."""

    when: datetime
    text: str
    url: str = ""
    who: str = ""


@dataclass(frozen=True)
class Link:
    """A call to action: what to press, where it goes, and who may."""

    label: str
    url: str
    action: Action | None = None  # None: every logged-in user may follow it
    post: bool = False  # a button that posts (starts something) rather than a link


@dataclass
class StageState:
    """What a stage's summary reports."""

    counts: list[Count]
    ready: bool
    #: What to do while the stage is not ready (its empty state), in one or two sentences.
    todo: str
    #: The link that does it (shown only to users allowed to follow it).
    next: Link | None = None
    recent: list[Activity] = field(default_factory=list)


#: ``summary(user) -> StageState`` of each stage, by slug, as the apps register them.
_SUMMARIES: dict[str, Callable[[Any], StageState]] = {}


def register_summary(slug: str, summary: Callable[[Any], StageState]) -> None:
    """The app behind stage ``slug`` reads its state with ``summary`` (from its ``ready``)."""
    _SUMMARIES[slug] = summary


@dataclass(frozen=True)
class Stage:
    """One step of the workflow: a section of the app and its dashboard summary."""

    slug: str  # the section's URL name, also its navigation entry
    label: str
    purpose: str

    @property
    def built(self) -> bool:
        """Whether the stage's app has registered its summary."""
        return self.slug in _SUMMARIES

    def state(self, user: Any) -> StageState | None:
        """This stage's state for ``user`` (``None`` when the stage is not built yet)."""
        read = _SUMMARIES.get(self.slug)
        return read(user) if read is not None else None


WORKFLOW: tuple[Stage, ...] = (
    Stage(
        "atoms",
        "Atoms",
        "Hand-written Python functions with prompts in English and Chinese, validated in the sandbox.",
    ),
    Stage(
        "composites",
        "Composites",
        "Functions synthesised by chaining atoms whose types fit, in pools that never share a chain.",
    ),
    Stage(
        "datasets",
        "Datasets",
        "Mixtures of sources at sampling ratios, frozen into content-hashed snapshots.",
    ),
    Stage(
        "runs",
        "Runs",
        "SFT and RL training runs on a snapshot, with live metrics and checkpoints.",
    ),
    Stage(
        "evaluations",
        "Evaluations",
        "pass@k of a model on a snapshot, every generation judged in the sandbox.",
    ),
)

#: Sections outside the workflow, after it in the navigation.
OTHER_SECTIONS: tuple[Stage, ...] = (
    Stage(
        "studies",
        "Studies",
        "Controlled experiments: arms that differ only in declared factors, read in one table.",
    ),
    Stage(
        "playground",
        "Playground",
        "Prompt a checkpoint or a model and read its answers, judged when the prompt is a problem.",
    ),
)

#: Every section, in navigation order.
SECTIONS: tuple[Stage, ...] = WORKFLOW + OTHER_SECTIONS


def section(slug: str) -> Stage | None:
    """The section with URL name ``slug``."""
    return next((s for s in SECTIONS if s.slug == slug), None)


@dataclass
class StageCard:
    """A stage as the dashboard shows it."""

    stage: Stage
    state: StageState | None
    is_next: bool = False
    #: The stage comes after the next step: its own to-do waits for that one.
    waits_for: Stage | None = None
    #: The stage's call to action, when this user may follow it.
    link: Link | None = None


@dataclass
class Dashboard:
    """Everything the dashboard shows."""

    cards: list[StageCard]
    next_card: StageCard | None
    recent: list[Activity]
    #: When every stage is ready: what to do next (each ready stage's own link, the last
    #: stage's first, then the other sections'), only the ones this user may follow.
    suggestions: list[Link] = field(default_factory=list)


def dashboard(user: Any, *, recent: int = 12) -> Dashboard:
    """Each stage's card, the next step (the first stage that is not ready) and the latest
    activity across stages."""
    cards = []
    for stage in WORKFLOW:
        state = stage.state(user)
        link = state.next if state and state.next and link_allowed(user, state.next) else None
        cards.append(StageCard(stage, state, link=link))
    next_card = next((c for c in cards if c.state is None or not c.state.ready), None)
    if next_card is not None:
        next_card.is_next = True
        for card in cards[cards.index(next_card) + 1 :]:
            card.waits_for = next_card.stage
    events = [a for c in cards if c.state for a in c.state.recent]
    events.sort(key=lambda a: a.when, reverse=True)
    suggestions = suggestions_when_ready(user, cards) if next_card is None else []
    return Dashboard(cards=cards, next_card=next_card, recent=events[:recent], suggestions=suggestions)


def suggestions_when_ready(user: Any, cards: list[StageCard]) -> list[Link]:
    """The next steps once the workflow is through: each stage's link, latest stage first
    (evaluate the last run, compare …), then the other sections' (start a study)."""
    links = [c.link for c in reversed(cards) if c.link is not None]
    for stage in OTHER_SECTIONS:
        state = stage.state(user)
        if state is not None and state.next is not None and link_allowed(user, state.next):
            links.append(state.next)
    return links


def link_allowed(user: Any, link: Link) -> bool:
    """Whether to show ``link`` to ``user``."""
    return link.action is None or can(user, link.action)
