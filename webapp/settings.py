"""Django settings, read from the environment (see ``webapp/env.py`` and the README).

Every variable has a default that makes ``make run`` work on one machine; production
(``ATOMLAB_ENV=production``) refuses to start without a real ``SECRET_KEY``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF

from webapp.env import (
    SettingsError,
    dev_secret_key,
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    parse_redis_url,
    secret_key_problem,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ATOMLAB_VAR_DIR", str(BASE_DIR / "var")))

ATOMLAB_ENV = env_str("ATOMLAB_ENV", "development")
if ATOMLAB_ENV not in ("development", "production", "test"):
    raise SettingsError(f"ATOMLAB_ENV={ATOMLAB_ENV!r} must be development, production or test")
PRODUCTION = ATOMLAB_ENV == "production"

# Off unless asked for (DEBUG=1): a traceback page or the technical 404, which lists every
# URL pattern, must never reach a user of `make run` by default.
DEBUG = env_bool("DEBUG", False)
if DEBUG and PRODUCTION:
    raise SettingsError("DEBUG=1 is refused in production: it shows tracebacks and settings to users")

_secret = env_str("SECRET_KEY", "")
if not _secret:
    if PRODUCTION:
        raise SettingsError("SECRET_KEY is not set; production refuses to start without one")
    _secret = dev_secret_key(VAR_DIR)
elif PRODUCTION and (_weak := secret_key_problem(_secret)):
    raise SettingsError(
        f"{_weak}; generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise SettingsError("ALLOWED_HOSTS is not set; production answers no request without it (a,b,c)")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
#: A stale form gets the app's refusal page with what to do.
CSRF_FAILURE_VIEW = "webapp.core.views.csrf_refused"

DATABASES = {
    "default": parse_database_url(
        "DATABASE_URL",
        env_str("DATABASE_URL", "sqlite:///var/atomlab.sqlite3"),
        BASE_DIR,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = parse_redis_url("REDIS_URL", env_str("REDIS_URL", "redis://127.0.0.1:6379/0"))

#: Where snapshots, checkpoints and generations live (DESIGN.md, "Artifacts").
ARTIFACT_ROOT = env_str("ARTIFACT_ROOT", str(VAR_DIR / "artifacts"))

#: The Celery queue training runs are sent to (GPU workers consume it: ``-Q gpu``).
TRAINING_QUEUE = env_str("TRAINING_QUEUE", "gpu")
#: Seconds a running training run gets to stop after Cancel before its worker process is killed.
TRAINING_CANCEL_GRACE_SECONDS = env_int("TRAINING_CANCEL_GRACE_SECONDS", 120, minimum=1)

#: Rows one snapshot may hold; a recipe past it is refused (webapp/mixtures/budget.py).
MIXTURE_MAX_ROWS = env_int("MIXTURE_MAX_ROWS", 500_000, minimum=1)

#: When set, the web side judges through this sandbox HTTP service instead of a local pool;
#: several services, comma-separated, share the batches and stand in for each other
#: (``sandbox/client.py``; ``SANDBOX_CHUNK`` and ``SANDBOX_PER_SERVICE`` tune the split).
SANDBOX_URL = env_str("SANDBOX_URL", "")
#: The sandbox service's shared token (sent as ``Authorization: Bearer``), when it has one.
SANDBOX_TOKEN = env_str("SANDBOX_TOKEN", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for the project-wide form renderer below
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "webapp.accounts",
    "webapp.core",
    "webapp.atoms",
    "webapp.synthesis",
    "webapp.mixtures",
    "webapp.training",
    "webapp.evaluation",
    "webapp.studies",
    "webapp.playground",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into lockout_response().
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "webapp.core.context_processors.navigation",
            ],
            "builtins": ["template_partials.templatetags.partials", "webapp.core.templatetags.atomlab"],
        },
    }
]

#: Forms render through the project's templates, so ``as_field_group`` uses core/field.html.
FORM_RENDERER = "webapp.core.forms.FormRenderer"

AUTH_USER_MODEL = "accounts.User"
# --- Content-Security-Policy (django-csp) ---------------------------------------------------
# Scripts and styles come only from this site's static files: no inline <script>, <style>,
# style="" or on*="" in templates (behaviours live in static/*/app.js-style files, htmx is
# told not to inject its indicator styles or eval). An injected tag therefore runs nothing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Login throttling (django-axes) -----------------------------------------------------------
# Failed logins are counted per (username, client address) in the database; at the limit,
# that pair is refused (even with the right password) until the cool-off has passed. Keying
# on the pair keeps a stranger from locking a colleague out from elsewhere.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("LOGIN_COOLOFF_SECONDS", 15 * 60, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "webapp.accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # its start-up banner would precede every manage.py command's output
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = (
    [
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    ]
    if PRODUCTION
    else []
)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
# Outside production, serve straight from the apps' static folders (no collectstatic step).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- HTTPS -----------------------------------------------------------------------------------
# Production speaks HTTPS only: HTTP is redirected, browsers are told by HSTS to never try
# plain HTTP again, and cookies carry the Secure flag. A set-up that really serves plain HTTP
# (a private network, TLS ended by something that does not forward the scheme) says so with
# ATOMLAB_PLAIN_HTTP=1, which turns all of that off and silences the matching deploy checks.
PLAIN_HTTP = env_bool("ATOMLAB_PLAIN_HTTP", False)
_HTTPS = PRODUCTION and not PLAIN_HTTP
SECURE_SSL_REDIRECT = _HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0) if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Liveness probes talk plain HTTP to the container itself.
SECURE_REDIRECT_EXEMPT = [r"^livez$"]
# Behind a proxy that ends TLS and sets X-Forwarded-Proto (and strips it from clients).
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SILENCED_SYSTEM_CHECKS = (
    ["security.W004", "security.W008", "security.W012", "security.W016"] if PRODUCTION and PLAIN_HTTP else []
)

# --- Celery (the Django-side app; the GPU worker has its own in training_worker) ----------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_ROUTES = {
    "atomlab.events.*": {"queue": "events"},
    "atomlab.cpu.*": {"queue": "cpu"},
    "atomlab.gpu.*": {"queue": "gpu"},
}
# Jobs are acknowledged only after they finish (acks_late), each worker process reserves one
# message at a time, and a pool child killed mid-task gives its message back at once
# (reject_on_worker_lost). A message whose worker process died outright is re-delivered by
# Redis after the visibility timeout. That timeout is short (10 minutes, not "longer than the
# longest job"): the job row, not the broker, says who runs a job. A re-delivered copy of a
# job that is still alive finds its row claimed with a fresh heartbeat and retries a few times
# (webapp.core.tasking.job_task) before it is dropped; one whose worker died re-claims the row
# once its heartbeat is stale; one whose job finished (or was failed by the reaper) is
# dropped at once. README "Jobs" has the whole story and the figures.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
BROKER_VISIBILITY_TIMEOUT_SECONDS = env_int("BROKER_VISIBILITY_TIMEOUT_SECONDS", 600, minimum=60)
# Redis may go away and come back: the worker reconnects forever (never exits), sockets time
# out instead of hanging, and idle connections are health-checked before use.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT_SECONDS,
    "socket_timeout": 30,
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
    "health_check_interval": 10,
    "retry_on_timeout": True,
}
CELERY_REDIS_SOCKET_TIMEOUT = 30
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 5
CELERY_REDIS_BACKEND_HEALTH_CHECK_INTERVAL = 10
CELERY_REDIS_RETRY_ON_TIMEOUT = True
# Sending a job's task while Redis is down fails after one quick retry (about a second),
# and the job row is failed with the reason (webapp.core.jobs.job_enqueue) instead of the
# request hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.2,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# --- Job lifecycle (webapp/core/jobs.py) ------------------------------------------------------
# A running job beats its heartbeat every JOB_HEARTBEAT_SECONDS. Older than
# JOB_STALE_AFTER_SECONDS, it is stale: a re-delivered task may claim it again and its owner
# can cancel it at once. Older than JOB_REAP_AFTER_SECONDS, the reaper fails it with the
# reason. The reaper runs every REAP_EVERY_SECONDS on the cpu queue, sent by `celery beat`
# (started by `make run`, a service in docker-compose). Tests shorten all four.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10, minimum=1)
JOB_STALE_AFTER_SECONDS = env_int("JOB_STALE_AFTER_SECONDS", 30, minimum=1)
JOB_REAP_AFTER_SECONDS = env_int("JOB_REAP_AFTER_SECONDS", 90, minimum=1)
if not JOB_HEARTBEAT_SECONDS < JOB_STALE_AFTER_SECONDS < JOB_REAP_AFTER_SECONDS:
    raise SettingsError(
        "job limits must grow: JOB_HEARTBEAT_SECONDS < JOB_STALE_AFTER_SECONDS < JOB_REAP_AFTER_SECONDS "
        f"(got {JOB_HEARTBEAT_SECONDS}, {JOB_STALE_AFTER_SECONDS}, {JOB_REAP_AFTER_SECONDS})"
    )
REAP_EVERY_SECONDS = env_int("REAP_EVERY_SECONDS", 30, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "jobs-reap": {
        "task": "atomlab.cpu.jobs_reap",
        "schedule": float(REAP_EVERY_SECONDS),
        "options": {"queue": "cpu", "expires": float(REAP_EVERY_SECONDS)},
    },
    # Studies launch an arm as soon as its inputs exist, whoever finished them.
    "studies-advance": {
        "task": "atomlab.cpu.studies_advance_all",
        "schedule": 10.0,
        "options": {"queue": "cpu", "expires": 10.0},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
