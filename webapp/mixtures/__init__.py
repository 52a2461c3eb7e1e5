"""Datasets: mixtures of problem sources with sampling ratios, frozen into hashed snapshots."""
