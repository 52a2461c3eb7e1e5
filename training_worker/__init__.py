"""The GPU side of Atomlab: a Celery worker on queue ``gpu`` running TRL jobs.

Never imports Django or ``webapp``; torch, transformers and trl are imported lazily inside
the runners that need them, so importing this package costs nothing.
"""
