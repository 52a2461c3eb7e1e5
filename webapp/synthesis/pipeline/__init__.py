"""The composite synthesis pipeline, free of Django: atoms in as plain data, a sandbox
``judge`` callable, composites out in disjoint pools. See :func:`synthesize`."""

from webapp.synthesis.pipeline.atoms import (
    PipelineAtom,
    atoms_from_contents,
    atoms_from_specs,
    library_version,
)
from webapp.synthesis.pipeline.engine import (
    Judge,
    Progress,
    SynthesisConfig,
    SynthesisResult,
    SynthesizedComposite,
    new_counters,
    synthesize,
)
from webapp.synthesis.pipeline.plan import SHAPES, Plan, Step

__all__ = [
    "SHAPES",
    "Judge",
    "PipelineAtom",
    "Plan",
    "Progress",
    "Step",
    "SynthesisConfig",
    "SynthesisResult",
    "SynthesizedComposite",
    "atoms_from_contents",
    "atoms_from_specs",
    "library_version",
    "new_counters",
    "synthesize",
]
