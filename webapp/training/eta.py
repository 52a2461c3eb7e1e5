"""How long a run has left, from the pace of its last steps (pure: no database).

The pace is measured between the worker's own timestamps on its last ``metrics`` events (so
checkpoint saves and event sending are in it, as they are in the time left), over at most
:data:`ETA_WINDOW` steps of the current attempt. It is an estimate: a run whose steps vary
(RL completions grow or shrink, a checkpoint every N steps) finishes earlier or later, and
the pages say so next to the figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: The steps the pace is measured over (the most recent ones).
ETA_WINDOW = 10


@dataclass(frozen=True)
class Eta:
    """Time left for a run: ``seconds`` at ``seconds_per_step`` over ``steps_left`` steps,
    the pace measured over the last ``window`` steps."""

    seconds: float
    seconds_per_step: float
    steps_left: int
    window: int

    def text(self) -> str:
        """``"about 6 min left"``."""
        minutes = self.seconds / 60
        if minutes < 1:
            return "under a minute left"
        if minutes < 90:
            return f"about {round(minutes)} min left"
        hours, rest = divmod(round(minutes), 60)
        return f"about {hours} h {rest:02d} min left"

    def basis(self) -> str:
        """What the figure rests on, for the page beside it."""
        steps = "step" if self.window == 1 else f"{self.window} steps"
        return (
            f"estimate from the pace of the last {steps} ({self.seconds_per_step:.1f} s/step) "
            f"for the {self.steps_left} left"
        )


def eta_from(stamps: Sequence[tuple[int, float]], *, max_steps: int | None) -> Eta | None:
    """The time left after the last of ``stamps`` (``(step, worker timestamp)`` of the
    attempt's metrics events, oldest first), or None without a ``max_steps`` or before two
    logged steps."""
    if not max_steps or len(stamps) < 2:
        return None
    (first_step, first_t), (last_step, last_t) = stamps[0], stamps[-1]
    if last_step <= first_step or last_t <= first_t:
        return None
    pace = (last_t - first_t) / (last_step - first_step)
    left = max(0, max_steps - last_step)
    return Eta(seconds=left * pace, seconds_per_step=pace, steps_left=left, window=last_step - first_step)
