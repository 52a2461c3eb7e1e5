"""Top-level URL map; each app owns its own ``urls.py``."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("users/", include("webapp.accounts.urls")),
    path("atoms/", include("webapp.atoms.urls")),
    path("composites/", include("webapp.synthesis.urls")),
    path("datasets/", include("webapp.mixtures.urls")),
    path("runs/", include("webapp.training.urls")),
    path("evaluations/", include("webapp.evaluation.urls")),
    path("studies/", include("webapp.studies.urls")),
    path("playground/", include("webapp.playground.urls")),
    path("", include("webapp.core.urls")),
]

#: A refused action shows the app's page with the reason (``webapp.core.access.Refused``).
handler403 = "webapp.core.views.refused"
