"""Composite synthesis: problems built by composing atoms, validated in the sandbox, in disjoint pools."""
