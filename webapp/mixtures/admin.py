"""Read-mostly admin pages: snapshots and benchmarks change only through the services."""

from django.contrib import admin

from webapp.mixtures.models import Benchmark, Mixture, MixtureVersion, Snapshot


@admin.register(Mixture)
class MixtureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "created_by", "updated_at")


@admin.register(MixtureVersion)
class MixtureVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("mixture", "number", "seed", "tokenizer", "frozen_at")
    readonly_fields = ("items",)


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("sha256", "version", "rows", "created_at")
    readonly_fields = (
        "sha256", "recipe", "path", "size_bytes", "rows", "counts", "token_stats", "record_schema_version"
    )  # fmt: skip


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "problem_count", "created_at")
