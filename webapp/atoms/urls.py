"""URLs under /atoms/. The section's entry page is named "atoms" (the navigation links to it).

Fixed paths come before ``<slug>/``; ``records.RESERVED_SLUGS`` keeps atoms from taking
their names. The converter is ``str``, not ``slug``: new slugs are ASCII identifiers, but a
slug stored before that rule (``数组求和``) must still reverse, or every page listing it fails."""

from django.urls import path

from webapp.atoms import views

urlpatterns = [
    path("", views.atom_list, name="atoms"),
    path("new/", views.atom_new, name="atom-new"),
    path("import/", views.atom_import, name="atom-import"),
    path("export/atoms.jsonl", views.atom_export, name="atom-export"),
    path("review/", views.review_queue, name="atom-review-queue"),
    path("review/<str:slug>/", views.review_decide, name="atom-review-decide"),
    path("review/<str:slug>/undo/<int:review_id>/", views.review_undo, name="atom-review-undo"),
    path("bulk/", views.atom_bulk, name="atom-bulk"),
    path("validate/", views.atoms_validate_all, name="atoms-validate-all"),
    path("load-library/", views.atoms_load_library, name="atoms-load-library"),
    path("<str:slug>/", views.atom_detail, name="atom"),
    path("<str:slug>/edit/", views.atom_edit, name="atom-edit"),
    path("<str:slug>/validate/", views.atom_validate, name="atom-validate"),
    path("<str:slug>/annotate/", views.atom_annotate, name="atom-annotate"),
    path("<str:slug>/review/", views.atom_review, name="atom-review"),
]
