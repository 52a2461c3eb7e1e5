from django.contrib import admin

from webapp.atoms.models import Atom, AtomRevision, AtomVariant


class VariantInline(admin.StackedInline):  # type: ignore[type-arg]
    model = AtomVariant
    extra = 0
    readonly_fields = ("status", "verdict")


@admin.register(Atom)
class AtomAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-mostly: edits belong in the app, where they make revisions."""

    list_display = ("slug", "topic", "returns", "status", "version", "origin", "updated_at")
    list_filter = ("topic", "status", "origin")
    search_fields = ("slug", "prompt_en", "prompt_zh")
    readonly_fields = ("status", "verdict", "validated_at", "library_digest", "content_digest", "version")
    inlines = [VariantInline]


@admin.register(AtomRevision)
class AtomRevisionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("atom", "number", "reason", "author", "created_at")
    list_filter = ("reason",)
    readonly_fields = ("atom", "number", "reason", "author", "message", "content", "changes", "created_at")
