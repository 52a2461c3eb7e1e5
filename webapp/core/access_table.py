"""The access table: for every address that accepts POST, who may do it.

One line per URL name. ``tests/webapp/test_ownership_matrix.py`` walks the URL
configuration, posts to every address that accepts POST as anonymous, a viewer, a
researcher who does not own the object, its owner and an admin, and checks each answer
against this table; an address missing here fails that test, so a new form cannot forget
to decide. The README's "Access" section is :func:`access_table_markdown`'s output.

The rule behind :attr:`Who.OWNER` is :func:`webapp.core.access.can_act_on` ("admins act on
anything, owners on their own"); the others are role checks (``webapp.core.access.NEEDS``).

Decisions, deliberately:

- Shared material stays shared: the atom library, composites, mixtures, benchmarks and
  review labels belong to the team, so any researcher edits, freezes or labels any of them
  (every edit is a revision or a new version; frozen snapshots never change).
- What runs in someone's name and changes their results is theirs: cancelling, resuming
  and re-scoring a job, run, evaluation or study, and resuming a study's arm.
- Launching is anyone's (researcher) and always in the launcher's name, including a Clone
  of another's run or an evaluation of another's checkpoint: the source is only read.
- Reading is every logged-in user's, study downloads included: they are the study's own
  table, figures and template (what its page shows), sent as ``study<id>-<file>``, never a
  server path.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Who(StrEnum):
    """Who may post to an address (each includes the admins)."""

    ANYONE = "anyone"  # anonymous included: the way in
    SIGNED_IN = "signed in"  # any logged-in user, viewers included
    RESEARCHER = "researcher"  # any researcher, whoever owns the object (shared work)
    OWNER = "owner"  # the object's owner (a researcher) or an admin
    ADMIN = "admin"  # admins only


@dataclass(frozen=True)
class Rule:
    """One address's line: who may post, and what the post does (for the README)."""

    who: Who
    does: str


ACCESS_TABLE: dict[str, Rule] = {
    # the way in and out
    "login": Rule(Who.ANYONE, "log in"),
    "logout": Rule(Who.SIGNED_IN, "log out"),
    # users (admins)
    "users": Rule(Who.ADMIN, "add a user"),
    "user-role": Rule(Who.ADMIN, "change a user's role"),
    "user-active": Rule(Who.ADMIN, "deactivate or reactivate a user"),
    # the atom library: shared
    "atom-new": Rule(Who.RESEARCHER, "write an atom"),
    "atom-edit": Rule(Who.RESEARCHER, "edit any atom (kept as a revision)"),
    "atom-validate": Rule(Who.RESEARCHER, "validate an atom in the sandbox"),
    "atom-annotate": Rule(Who.RESEARCHER, "annotate an atom"),
    "atom-review": Rule(Who.RESEARCHER, "review an atom"),
    "atom-review-decide": Rule(Who.RESEARCHER, "review an atom from the queue"),
    "atom-review-undo": Rule(Who.RESEARCHER, "undo the queue's last decision (logged)"),
    "atom-bulk": Rule(Who.RESEARCHER, "tag or review atoms in bulk"),
    "atom-import": Rule(Who.RESEARCHER, "import atoms (JSONL)"),
    "atoms-validate-all": Rule(Who.RESEARCHER, "queue validation of every atom"),
    "atoms-load-library": Rule(Who.RESEARCHER, "load the hand-written library"),
    # composites, datasets, benchmarks: shared
    "synthesize": Rule(Who.RESEARCHER, "start a synthesis run"),
    "mixture-new": Rule(Who.RESEARCHER, "create a mixture"),
    "mixture-preview": Rule(Who.RESEARCHER, "preview a recipe's counts"),
    "mixture-save": Rule(Who.RESEARCHER, "save any mixture's recipe (a new version)"),
    "mixture-freeze": Rule(Who.RESEARCHER, "freeze any mixture into a snapshot"),
    "benchmarks": Rule(Who.RESEARCHER, "import a benchmark"),
    "benchmark-delete": Rule(Who.RESEARCHER, "delete a benchmark no mixture uses"),
    # jobs and queues
    "health-roundtrip": Rule(Who.RESEARCHER, "ping every queue"),
    "job-cancel": Rule(Who.OWNER, "cancel a background job (validation, synthesis, freeze)"),
    # training runs
    "run-launch": Rule(Who.RESEARCHER, "launch a run, or Clone anyone's (the clone is the launcher's)"),
    "run-cancel": Rule(Who.OWNER, "cancel a run"),
    "run-resume": Rule(Who.OWNER, "resume a run from its last checkpoint"),
    "run-labels": Rule(Who.OWNER, "change a run's tags, group and note"),
    # evaluations
    "eval-launch": Rule(Who.RESEARCHER, "launch an evaluation (of any model or run's checkpoint)"),
    "eval-cancel": Rule(Who.OWNER, "cancel an evaluation"),
    "eval-rescore": Rule(Who.OWNER, "re-score an evaluation against current tests"),
    "eval-labels": Rule(Who.OWNER, "change an evaluation's tags, group and note"),
    "eval-generation-review": Rule(Who.RESEARCHER, "label any generation (shared review)"),
    # studies
    "study-new": Rule(Who.RESEARCHER, "launch a study"),
    "study-validate": Rule(Who.RESEARCHER, "check a study template as it is typed (creates nothing)"),
    "study-cancel": Rule(Who.OWNER, "cancel a study, its runs and its evaluations"),
    "study-unit-resume": Rule(Who.OWNER, "resume a study's failed arm"),
    "study-retry": Rule(Who.OWNER, "retry a study stalled by errors while advancing"),
    # the playground: sending is anyone's (researcher), in their name; cancelling is the owner's
    "playground": Rule(Who.RESEARCHER, "send a prompt to a model or a checkpoint (a small generate job)"),
    "playground-cancel": Rule(Who.OWNER, "cancel a playground request"),
}

#: Address namespaces the table leaves to their own checks, and why.
OWN_CHECKS: dict[str, str] = {
    "admin": "Django's admin site: staff accounts only, with Django's own permissions",
}

_COLUMNS = ("anonymous", "viewer", "researcher (not the owner)", "owner", "admin")
_ALLOWED: dict[Who, frozenset[str]] = {
    Who.ANYONE: frozenset(_COLUMNS),
    Who.SIGNED_IN: frozenset(_COLUMNS[1:]),
    Who.RESEARCHER: frozenset(_COLUMNS[2:]),
    Who.OWNER: frozenset(_COLUMNS[3:]),
    Who.ADMIN: frozenset(_COLUMNS[4:]),
}


def allowed_personas(who: Who) -> frozenset[str]:
    """The columns of the table that may post (the test's personas are these names)."""
    return _ALLOWED[who]


def access_table_markdown() -> str:
    """The table as Markdown, one row per address (the README's "Access" section)."""
    head = "| address | what it does | " + " | ".join(_COLUMNS) + " |"
    rows = [head, "|" + "---|" * (len(_COLUMNS) + 2)]
    for name, rule in ACCESS_TABLE.items():
        marks = " | ".join("yes" if c in _ALLOWED[rule.who] else "no" for c in _COLUMNS)
        rows.append(f"| `{name}` | {rule.does} | {marks} |")
    return "\n".join(rows)
