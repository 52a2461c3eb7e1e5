"""``python -m training_worker``: see :mod:`training_worker.cli`."""

from training_worker.cli import main

raise SystemExit(main())
