"""Evaluation: eval runs, generations, verdicts, pass@k, comparison, review."""
