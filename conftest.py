"""Root conftest: environment defaults so a bare `pytest` talks to the same real services
as `make test` (which sets these explicitly). Loaded before Django is configured."""

import os

os.environ.setdefault("ATOMLAB_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atomlab")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
