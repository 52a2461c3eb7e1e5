"""WSGI entry point (gunicorn ``webapp.wsgi:application``)."""

from django.core.wsgi import get_wsgi_application

from webapp.boot import load_settings_or_exit

load_settings_or_exit()
application = get_wsgi_application()
