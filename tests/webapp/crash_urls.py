"""The app's URLs plus one view that raises, to see the 500 page a user gets."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from webapp.urls import urlpatterns as app_urlpatterns


def crash(request: HttpRequest) -> HttpResponse:
    raise ZeroDivisionError("a bug")


urlpatterns = [path("crash/", crash), *app_urlpatterns]
