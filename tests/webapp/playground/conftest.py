"""The playground's tests use the training app's fixtures: each test's own artifact root and
GPU queue name (tests/webapp/training/conftest.py)."""

from tests.webapp.training.conftest import artifacts, gpu_queue, redis_client

__all__ = ["artifacts", "gpu_queue", "redis_client"]
