"""Gateway settings, all from the environment, with embedded defaults.

No variable set: SQLite in ./data, in-memory channel layer, in-process background work, no service needed.
DATABASE_URL (PostgreSQL) and REDIS_URL (channel layer + Celery broker) switch to the distributed mode.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from gatewaysite.env import database_from_url, env_bool, env_float, env_int, env_list, env_str
from gatewaysite.memory import defer_tls_stack, limit_malloc_arenas, load_sdk_types_lazily, skip_unused_imports

# Before any thread starts and any SDK is imported (gatewaysite/memory.py says why).
limit_malloc_arenas()
skip_unused_imports()
load_sdk_types_lazily()
defer_tls_stack()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("GATEWAY_DATA_DIR", str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
GATEWAY_MODE = "distributed" if REDIS_URL else "embedded"
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")


def _secret_key() -> str:
    """SECRET_KEY from the environment; the embedded mode keeps a generated one in the data folder.

    A distributed (production) start without SECRET_KEY refuses to start: every process must share one real key.
    """
    key = env_str("SECRET_KEY")
    if key:
        return key
    if DATABASE_URL and not DEBUG and not TESTING:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. A deployment with DATABASE_URL needs a real secret key shared by every process: "
            "export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "gatewaysite.json_errors.csrf_failure"  # JSON under /api/, Django's page elsewhere

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_celery_beat",
    "channels",
    "agents_app",
    "channels_app",
    "channels_app.realtime",
    "routing",
    "channels_app.listeners",
    "routing.api",
    "django_filters",
    "drf_spectacular_sidecar",
    "console_app",  # last: its post_migrate keeps the role groups' permissions complete (console_app/roles.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gatewaysite.transport_security.TransportSecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gatewaysite.urls"
ASGI_APPLICATION = "gatewaysite.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    # Django REST framework imports django.contrib.postgres's fields when it can, and with them psycopg: ~9 MB of
    # resident memory an embedded (SQLite) server never uses. A None entry makes that import fail as DRF expects.
    sys.modules.setdefault("django.contrib.postgres.fields", None)
    DATABASES = {
        "default": {
            "ENGINE": "gatewaysite.sqlite_backend",
            "NAME": DATA_DIR / "gateway.sqlite3",
            # WAL + a busy timeout let the server's background work and requests write side by side.
            "OPTIONS": {
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                # Take the write lock at BEGIN: a deferred transaction that later writes fails at once with
                # "database is locked" when another thread writes (no busy wait on a lock upgrade).
                "transaction_mode": "IMMEDIATE",
            },
            # Tests use a file too (the in-memory shared cache fails with "table is locked" when worker threads
            # write), one per test process so parallel test runs never share it.
            "TEST": {"NAME": os.path.join(tempfile.gettempdir(), f"gateway-test-{os.getpid()}.sqlite3")},
        }
    }

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 defaults socket_timeout to 5 s, the same as channels-redis' blocking-pop timeout: under load
            # every idle consumer's receive() then raises TimeoutError and its socket is closed 1011. Give reads room.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}], "capacity": 5000, "expiry": 60},
        }
    }
else:
    # Channels' in-memory layer with its O(n) expiry sweep throttled (channels_app/realtime/layers.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_app.realtime.layers.ThrottledInMemoryChannelLayer",
            "CONFIG": {"capacity": 5000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Celery (distributed mode). The embedded mode never talks to a broker.
CELERY_BROKER_URL = REDIS_URL or "memory://"
# kombu's Redis transport with one client per channel (gatewaysite/broker.py says why); rediss:// keeps kombu's own,
# which enables TLS from the scheme's name.
CELERY_BROKER_TRANSPORT = "gatewaysite.broker:Transport" if CELERY_BROKER_URL.startswith("redis://") else None
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection before and after each task unless told to reuse them:
# each pipeline task then paid a new PostgreSQL connection (a backend process started and torn down per message).
# Reused here for many tasks; routing/pipeline/tasks.py still drops a broken or expired one after each task, as a
# request would (CONN_MAX_AGE).
CELERY_DB_REUSE_MAX = 1000
# One queue per deployment (or per test run) so processes sharing a Redis never take each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat also re-queues work that was stored but never finished (a lost task message, a broker outage): the
# distributed counterpart of the embedded sweeper. The database scheduler copies this into a PeriodicTask.
CELERY_BEAT_SCHEDULE = {
    "gateway-sweep-unfinished": {"task": "routing.sweep_unfinished", "schedule": 60.0, "kwargs": {"older_than": 60.0}},
}
DJANGO_CELERY_BEAT_TZ_AWARE = True

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # API defaults (routing/api): token first so a request without credentials is answered 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "routing.api.gateway_auth.GatewayTokenAuthentication",
        "routing.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["routing.api.permissions.ReadOnlyOrAdmin"],
    "DEFAULT_PAGINATION_CLASS": "routing.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "EXCEPTION_HANDLER": "routing.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Agent messaging gateway API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the installed sidecar package: /api/docs/ works without reaching a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Group operations by resource (agents, channels…) instead of one "v1" tag.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Every operation's error answers (400/401/403/404/429, one Error body) are in the schema: routing/api/schema_errors.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "routing.api.schema_errors.add_error_responses",
    ],
}

# The gateway's own knobs.
GATEWAY_INBOUND_HANDLER = "routing.pipeline.worker.handle_inbound"
# WebSocket plane (channels_app.realtime) → turn runner and agent lookup in routing, by dotted path.
GATEWAY_WS_TURN_HANDLER = "routing.pipeline.websocket.run_turn"
GATEWAY_WS_AGENT_RESOLVER = "routing.pipeline.websocket.resolve_agent"
GATEWAY_MAX_CONCURRENT_QUERIES = env_int("GATEWAY_MAX_CONCURRENT_QUERIES", 16)
GATEWAY_MAX_BODY_BYTES = env_int("GATEWAY_MAX_BODY_BYTES", 1024 * 1024)
# A loopback-bound rungateway lets local, unproxied operator tools (PraisonAI's CLI) use /info and the channel
# pause/resume/reconnect endpoints without a token (routing/serving/access.py).
GATEWAY_LOOPBACK_TRUST = env_bool("GATEWAY_LOOPBACK_TRUST", True)
GATEWAY_EXAMPLE_CONFIG = BASE_DIR / "examples" / "gateway.yaml"

# Pipeline, delivery and schedules (routing/pipeline, routing/schedules; the table is in docs/architecture.md).
# Every tunable is read here once; code reads settings.NAME at use time, so tests override with the settings fixture.
GATEWAY_DISPATCH = env_str("GATEWAY_DISPATCH", "")  # embedded | celery | off; empty: celery when REDIS_URL is set
GATEWAY_WORKERS = env_int("GATEWAY_WORKERS", 0)  # embedded worker threads; 0: 16
# Pipeline workers running Python at once; one waiting on the model does not count (routing/pipeline/slots.py).
GATEWAY_ACTIVE_WORKERS = env_int("GATEWAY_ACTIVE_WORKERS", 2)
GATEWAY_QUEUE_BOUND = env_int("GATEWAY_QUEUE_BOUND", 10_000)
GATEWAY_SWEEP_INTERVAL = env_float("GATEWAY_SWEEP_INTERVAL", 30.0)
GATEWAY_EVENT_MAX_ATTEMPTS = env_int("GATEWAY_EVENT_MAX_ATTEMPTS", 5)
GATEWAY_DELIVERY_MAX_ATTEMPTS = env_int("GATEWAY_DELIVERY_MAX_ATTEMPTS", 5)
GATEWAY_RETRY_BASE = env_float("GATEWAY_RETRY_BASE", 1.0)
GATEWAY_RETRY_AFTER_CAP = env_float("GATEWAY_RETRY_AFTER_CAP", 60.0)
GATEWAY_ROUTE_CACHE_SECONDS = env_float("GATEWAY_ROUTE_CACHE_SECONDS", 2.0)
GATEWAY_INSTANCE_CACHE_SECONDS = env_float("GATEWAY_INSTANCE_CACHE_SECONDS", 2.0)
GATEWAY_WS_AGENT_CACHE_TTL = env_float("GATEWAY_WS_AGENT_CACHE_TTL", 2.0)
GATEWAY_SCHEDULER_TICK = env_float("GATEWAY_SCHEDULER_TICK", 1.0)
GATEWAY_SCHEDULE_LATE_SECONDS = env_float("GATEWAY_SCHEDULE_LATE_SECONDS", 120.0)
GATEWAY_SCHEDULE_RUN_LEASE = env_float("GATEWAY_SCHEDULE_RUN_LEASE", 600.0)
GATEWAY_SCHEDULER_WORKERS = env_int("GATEWAY_SCHEDULER_WORKERS", 4)
GATEWAY_SHUTDOWN_TIMEOUT = env_float("GATEWAY_SHUTDOWN_TIMEOUT", 10.0)
# Webhook intake and the WebSocket plane's database work (channels_app/webhooks, channels_app/realtime).
GATEWAY_ACK_PRIORITY_WAIT = env_float("GATEWAY_ACK_PRIORITY_WAIT", 0.1)
GATEWAY_INTAKE_WRITERS = env_int("GATEWAY_INTAKE_WRITERS", 0)  # 0: 1 on SQLite, 4 on PostgreSQL
GATEWAY_INTAKE_TIMEOUT = env_float("GATEWAY_INTAKE_TIMEOUT", 10.0)
GATEWAY_WS_DB_THREADS = env_int("GATEWAY_WS_DB_THREADS", 0)  # 0: 1 on SQLite, 4 on PostgreSQL
GATEWAY_WS_SERVER_BEAT = env_float("GATEWAY_WS_SERVER_BEAT", 10.0)
# Bytes rungateway holds for one WebSocket that does not read before closing it 1013 (channels_app/realtime/limits.py).
GATEWAY_WS_MAX_BUFFERED_BYTES = env_int("GATEWAY_WS_MAX_BUFFERED_BYTES", 4 * 1024 * 1024)
# Seconds a process reuses the WebSocket plane's config it read from the database (0: every connect reads it).
GATEWAY_WS_CONFIG_TTL = env_float("GATEWAY_WS_CONFIG_TTL", 0.0 if TESTING else 2.0)
# How often an open socket's token is checked again; hours an /ops/ page token lives (realtime/tokens.py).
GATEWAY_WS_TOKEN_RECHECK = env_float("GATEWAY_WS_TOKEN_RECHECK", 15.0)
GATEWAY_OPS_TOKEN_HOURS = env_float("GATEWAY_OPS_TOKEN_HOURS", 12.0)
# Timing of the listener supervisor (channels_app/listeners/supervisor.py Timing fields, e.g. {"reconcile": 0.1});
# empty: its defaults. Tests set short timings here.
GATEWAY_LISTENER_TIMING: dict[str, float] = {}
# GATEWAY_WS_<FIELD> overrides that field of the WebSocket plane's config (admin / gateway.yaml values; the fields of
# channels_app/realtime/config.py's RealtimeConfig). Read here from the environment, as text, only when set (subprocess
# servers in tests and benches run with short timings this way); the config converts each to its field's type.
GATEWAY_WS_CONFIG_FIELDS = (
    "auth_token", "allowed_origins", "max_connections", "heartbeat_interval", "reconnect_timeout", "session_timeout",
    "session_max_messages", "push_enabled", "ack_timeout", "max_retries", "retention_seconds", "presence_timeout",
    "poll_timeout", "poll_batch", "max_payload", "max_queued_frames", "max_unacked", "turn_timeout",
)  # fmt: skip
globals().update(
    {
        f"GATEWAY_WS_{name.upper()}": os.environ[f"GATEWAY_WS_{name.upper()}"]
        for name in GATEWAY_WS_CONFIG_FIELDS
        if os.environ.get(f"GATEWAY_WS_{name.upper()}")
    }
)

# Agent runtime (agents_app.runtime, documented in docs/agents.md).
GATEWAY_LLM_TIMEOUT = float(env_str("GATEWAY_LLM_TIMEOUT", "60"))
GATEWAY_LLM_MAX_RETRIES = env_int("GATEWAY_LLM_MAX_RETRIES", 2)
GATEWAY_LLM_MAX_TOKENS = env_int("GATEWAY_LLM_MAX_TOKENS", 1024)
GATEWAY_AGENT_MAX_TOOL_ITERATIONS = env_int("GATEWAY_AGENT_MAX_TOOL_ITERATIONS", 6)
GATEWAY_AGENT_MAX_SECONDS = float(env_str("GATEWAY_AGENT_MAX_SECONDS", "180"))
# How deep agents may hand tasks to their delegates (coordinator = 0); at the limit no delegates are offered.
GATEWAY_DELEGATION_MAX_DEPTH = env_int("GATEWAY_DELEGATION_MAX_DEPTH", 2)
GATEWAY_TOOL_TIMEOUT = float(env_str("GATEWAY_TOOL_TIMEOUT", "20"))
# How long an MCP server's tool list is remembered (agents_app/mcp/tools.py).
GATEWAY_MCP_TOOLS_CACHE_SECONDS = env_float("GATEWAY_MCP_TOOLS_CACHE_SECONDS", 60.0)
# Modules whose @gateway_tool functions agents may use (besides the built-ins); configuration only names tools.
GATEWAY_TOOL_MODULES = env_list("GATEWAY_TOOL_MODULES", [])
GATEWAY_TOOL_HTTP_TIMEOUT = float(env_str("GATEWAY_TOOL_HTTP_TIMEOUT", "10"))
GATEWAY_GUARDRAIL_REFUSAL = env_str("GATEWAY_GUARDRAIL_REFUSAL", "Sorry, I can't help with that.")
GATEWAY_OLLAMA_BASE_URL = env_str("GATEWAY_OLLAMA_BASE_URL", "http://127.0.0.1:11434/v1")
GATEWAY_WEATHER_URL = env_str("GATEWAY_WEATHER_URL", "https://api.open-meteo.com/v1/forecast")
GATEWAY_GEOCODING_URL = env_str("GATEWAY_GEOCODING_URL", "https://geocoding-api.open-meteo.com/v1/search")
GATEWAY_SEARCH_URL = env_str("GATEWAY_SEARCH_URL", "https://api.duckduckgo.com/")
GATEWAY_SEARCH_API_KEY = env_str("GATEWAY_SEARCH_API_KEY", "")

# Outbound policy (gatewaysite/egress.py, docs/security.md): hosts and CIDR networks outbound HTTP may reach. Empty:
# anything except link-local and cloud metadata addresses, which are always refused. Tests: loopback only (our suite
# must never reach another host; the root conftest exports the same for the server processes tests start).
GATEWAY_EGRESS_ALLOW = env_list("GATEWAY_EGRESS_ALLOW", ["127.0.0.0/8", "::1", "localhost"] if TESTING else [])
# `${VAR}` in configuration (gatewaysite/secrets.py): names or NAME_* patterns that may expand. GATEWAY_ENV_ALLOW empty:
# any variable except GATEWAY_ENV_DENY (the gateway's own secrets and the system's variables).
GATEWAY_ENV_ALLOW = env_list("GATEWAY_ENV_ALLOW", [])
GATEWAY_ENV_DENY = env_list(
    "GATEWAY_ENV_DENY",
    [
        "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_*", "DJANGO_*", "PG*", "POSTGRES_*",
        "HOME", "PATH", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "HOSTNAME", "TMPDIR", "LD_*", "PYTHON*",
        "VIRTUAL_ENV", "SSH_*", "AWS_*", "AZURE_*", "GOOGLE_APPLICATION_CREDENTIALS", "KUBERNETES_*",
    ],
)  # fmt: skip
# Served over HTTPS (TLS in rungateway, or a TLS-terminating proxy): cookies are marked Secure and HSTS is sent on
# every response (gatewaysite/transport_security.py). A request that arrives over TLS gets both anyway.
GATEWAY_HTTPS = env_bool("GATEWAY_HTTPS", False)
GATEWAY_HSTS_SECONDS = env_int("GATEWAY_HSTS_SECONDS", 31_536_000)

LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # Both formats redact tokens (query tokens, /bot<token>/, gw_/xox*/sk- keys): gatewaysite/logging.py.
        "text": {
            "()": "gatewaysite.logging.RedactingFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "gatewaysite.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx2": {"level": "WARNING"}},
}
