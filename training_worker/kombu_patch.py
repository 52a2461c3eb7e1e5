"""A workaround for a kombu bug that made a Celery worker exit after Redis came back.

When the broker connection breaks, Celery's consumer first collects the connection (which
detaches the transport from it: ``transport.client = None``) and then closes it. Closing the
old channel restores its unacknowledged messages (tasks with ``acks_late`` still running,
which `make run`'s concurrency-2 cpu worker has) through a new Redis client built from
``transport.client``. In kombu 5.7.0 (the latest on PyPI when this was written) that raises
``AttributeError: 'NoneType' object has no attribute 'hostname'`` in ``Channel._connparams``;
nothing on the way catches an ``AttributeError``, and the worker stops with "Unrecoverable
error" and exit status 1. The same happens when such a task later acknowledges its message on
the dead channel. Upstream: celery/kombu#970 and #582 (the same ``restore_unacked_once`` path
failing once the connection is gone).

:func:`install` makes ``Channel._connparams`` of a channel whose connection is gone raise a
Redis ``ConnectionError`` instead, after a warning. kombu and Celery already treat that as
the broken connection it is: closing the channel goes on (``maybe_close_channel`` ignores
connection errors), a late acknowledgement is logged ("Failed to acknowledge") instead of
crashing the loop. The unacknowledged messages stay in Redis's unacked hash, and kombu's own
visibility-timeout restore puts them back later (``BROKER_VISIBILITY_TIMEOUT_SECONDS``); the
job lifecycle makes such a late copy harmless (README "Jobs"). Both Celery apps install it
(``webapp/celery_app.py``, ``training_worker/celery_app.py``). No Django here: the GPU app
imports this module too.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

log = logging.getLogger(__name__)

_MARK = "_atomlab_guarded"
_METHOD = "_connparams"


def install() -> bool:
    """Guard ``kombu.transport.redis.Channel._connparams`` (once per process). False when
    this kombu has no such method (the workaround then does nothing)."""
    import redis
    from kombu.transport import redis as kombu_redis

    original = getattr(kombu_redis.Channel, _METHOD, None)
    if original is None:
        return False
    if getattr(original, _MARK, False):
        return True

    @functools.wraps(original)
    def _connparams(self: Any, *args: Any, **kwargs: Any) -> Any:
        transport = getattr(self, "connection", None)
        if transport is None or getattr(transport, "client", None) is None:
            qos = getattr(self, "_qos", None)
            pending = len(getattr(qos, "_delivered", None) or ())
            log.warning(
                "Redis channel %s: its broker connection is already closed; its %d "
                "unacknowledged message(s) stay in Redis until the visibility timeout restores "
                "them",
                getattr(self, "channel_id", "?"),
                pending,
            )
            raise redis.exceptions.ConnectionError(
                "the channel's broker connection is closed (kombu transport has no client)"
            )
        return original(self, *args, **kwargs)

    setattr(_connparams, _MARK, True)
    setattr(kombu_redis.Channel, _METHOD, _connparams)
    return True
