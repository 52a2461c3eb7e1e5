"""Atoms: hand-written atomic Python functions, their modified variants and revisions."""
