"""Every write of the datasets app goes through this package (STYLE rule 2), one module per
subject: ``mixtures`` (recipes and their versions), ``rows`` (what an item contributes, the
preview), ``freezing`` (snapshots), ``parquet``, ``benchmarks`` (imports) and
``contamination`` (reports). Callers import from the package.
"""

from webapp.mixtures.benchmarks import BenchmarkImportError
from webapp.mixtures.recipe import RecipeError
from webapp.mixtures.services.benchmarks import BenchmarkInUse, benchmark_delete, benchmark_import
from webapp.mixtures.services.contamination import (
    ContaminationError,
    contamination_check,
    contamination_report,
)
from webapp.mixtures.services.freezing import (
    mixture_freeze_enqueue,
    recipe_of,
    snapshot_freeze,
    snapshot_freeze_enqueue,
    snapshot_rows,
)
from webapp.mixtures.services.mixtures import mixture_create, mixture_save
from webapp.mixtures.services.parquet import PARQUET_COLUMNS, parquet_filename, snapshot_parquet
from webapp.mixtures.services.rows import PreviewLine, item_records, item_rows, mixture_preview
from webapp.mixtures.tokenizing import TokenizerError

__all__ = [
    "PARQUET_COLUMNS",
    "BenchmarkImportError",
    "BenchmarkInUse",
    "ContaminationError",
    "PreviewLine",
    "RecipeError",
    "TokenizerError",
    "benchmark_delete",
    "benchmark_import",
    "contamination_check",
    "contamination_report",
    "item_records",
    "item_rows",
    "mixture_create",
    "mixture_freeze_enqueue",
    "mixture_preview",
    "mixture_save",
    "parquet_filename",
    "recipe_of",
    "snapshot_freeze",
    "snapshot_freeze_enqueue",
    "snapshot_parquet",
    "snapshot_rows",
]
