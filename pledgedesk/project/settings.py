"""Django settings. Every value that varies between installations comes from pledgedesk.config,
which reads and checks the environment; nothing here reads os.environ itself."""

from django.core.exceptions import ImproperlyConfigured

from pledgedesk import bounds as _bounds
from pledgedesk import config as _config
from pledgedesk.policy.deployment import Deployment as _Deployment

try:
    CONFIG = _config.load()
except _config.ConfigError as exc:
    # The command line catches ConfigError before Django starts; this path is for Django being
    # started some other way (a WSGI server pointed at pledgedesk.project.wsgi, say).
    raise ImproperlyConfigured(str(exc)) from None

DATA_DIR = CONFIG.data_dir
# What the `holidays` package answered, kept between `pledgedesk serve`'s processes
# (server.use_holiday_store): a web worker that finds its regions there never loads the
# package (~17 MiB, issue 20).
PLEDGEDESK_HOLIDAY_STORE = DATA_DIR / "cache" / "holidays"
PLEDGEDESK_POLICY_DIR = CONFIG.policy_dir
# What this deployment serves (issue 21): the policy page offers a channel or feature only when
# it is here. The desk has the portal, the API and the embeddable widget (issue 14); mail
# intake (a mailbox per address), call intake (a number per line), chat, the knowledge base and
# its votes, paging and hour banks do not exist yet, and the issues that build them switch
# their part on here.
PLEDGEDESK_SERVES = _Deployment(portal=True, api=True, widget=True, hour_banks=True,  # issue 17
                                phone_numbers=frozenset(CONFIG.phone_numbers))
SECRET_KEY = CONFIG.secret_key
# Telephony providers whose signed voicemail callbacks /hooks/calls/<name>/ takes (FG-4, FG-8):
# name -> {"scheme": "hmac-sha256" | "twilio", "secret": ...}. Secrets never in a policy file.
PLEDGEDESK_CALL_PROVIDERS = {name: {"scheme": scheme, "secret": secret}
                             for name, scheme, secret in CONFIG.call_providers}
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
# Reverse proxies whose X-Forwarded-For names the client (web.signin.client_address).
PLEDGEDESK_TRUSTED_PROXIES = CONFIG.trusted_proxies
# Private networks webhooks may reach (webhooks.network); every other address must be public.
PLEDGEDESK_WEBHOOK_ALLOWED_NETWORKS = CONFIG.webhook_allowed_networks
# Where people reach the desk: the base of every link in mail, pages and feeds.
PLEDGEDESK_PUBLIC_URL = CONFIG.public_url

INSTALLED_APPS = [
    "pledgedesk.web.apps.DeskAdminConfig",  # django.contrib.admin, its login rate-limited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Huey is not an installed app: only `pledgedesk worker` loads it (pledgedesk.worker reads
    # HUEY below and discovers every app's tasks module), so a web process never imports Huey,
    # its storage or redis-py for it (issue 20: ~7 MiB per web worker).
    "pledgedesk.versions",
    "pledgedesk.accounts",
    "pledgedesk.tickets",
    "pledgedesk.outbox",
    "pledgedesk.channels",
    "pledgedesk.oncall",
    "pledgedesk.notify",
    "pledgedesk.webhooks",
    "pledgedesk.workspace",
    "pledgedesk.queues",
    "pledgedesk.macros",
    "pledgedesk.csat",
    "pledgedesk.proservices",
    "pledgedesk.kb",
    "pledgedesk.publishing",
    "pledgedesk.automation",
    "pledgedesk.reports",
    "pledgedesk.web",
    "pledgedesk.portal",
    "pledgedesk.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pledgedesk.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads the whole form: an upload over its route's limit is
    # refused on its declared length, or as soon as reading passes the limit (web.uploads).
    "pledgedesk.web.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pledgedesk.project.urls"
WSGI_APPLICATION = "pledgedesk.project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {"default": CONFIG.database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first: new and re-hashed passwords use it; the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Store UTC; pages show instants with their offset in the viewer's or policy's zone.
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "attachments"
PLEDGEDESK_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # one upload; larger is a 413 naming the limit
# One JSON API request body; larger is a 413. Derived from the longest text field, so every
# body the schema allows fits, however its text is escaped (pledgedesk.bounds).
PLEDGEDESK_MAX_BODY_BYTES = _bounds.MAX_JSON_BODY_BYTES
# What `pledgedesk serve`'s event loop reads of a request before a thread sees it: the headers
# within PLEDGEDESK_HEADER_TIMEOUT, the body within PLEDGEDESK_BODY_TIMEOUT and up to
# PLEDGEDESK_MAX_REQUEST_BYTES (a form of ten full attachments; each route checks its own, lower
# limit). Larger is a 413 before it is read, slower a closed connection or a 408.
PLEDGEDESK_HEADER_TIMEOUT = CONFIG.header_timeout
PLEDGEDESK_BODY_TIMEOUT = CONFIG.body_timeout
PLEDGEDESK_MAX_REQUEST_BYTES = 10 * PLEDGEDESK_MAX_ATTACHMENT_BYTES + 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Security headers. CSRF is on for every unsafe method (CsrfViewMiddleware above).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# Sign-in pages. Customers sign in to the portal, agents to the console; Django admin keeps its
# own. The first page to send a signed-out visitor to is the portal's.
LOGIN_URL = "portal:sign_in"
LOGIN_REDIRECT_URL = "web:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for one day (FG-2)

# Outgoing mail (password-reset links): SMTP from PLEDGEDESK_SMTP_URL, else one file per
# message under <data dir>/mail. Tests use Django's in-memory outbox.
EMAIL_BACKEND = CONFIG.email.backend
DEFAULT_FROM_EMAIL = CONFIG.email.from_email
SERVER_EMAIL = CONFIG.email.from_email
if CONFIG.email.file_path is not None:
    EMAIL_FILE_PATH = str(CONFIG.email.file_path)
else:
    EMAIL_HOST = CONFIG.email.host
    EMAIL_PORT = CONFIG.email.port
    EMAIL_HOST_USER = CONFIG.email.user
    EMAIL_HOST_PASSWORD = CONFIG.email.password
    EMAIL_USE_TLS = CONFIG.email.use_tls
    EMAIL_USE_SSL = CONFIG.email.use_ssl
    EMAIL_TIMEOUT = 30

# A cache every web worker shares (the priority stylesheet): Redis when REDIS_URL is set, else a
# table in the database (created by `pledgedesk serve` with createcachetable). Sign-in limits
# keep their own counters (web.ratelimit), in the database whenever Redis does not answer.
if CONFIG.redis_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": CONFIG.redis_url, "KEY_PREFIX": "pledgedesk"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "pledgedesk_cache"}}

# Background jobs: Redis when REDIS_URL is set, otherwise SQLite storage in the data directory.
if CONFIG.redis_url:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "pledgedesk", "url": CONFIG.redis_url}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "pledgedesk",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
