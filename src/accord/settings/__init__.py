"""Settings for every environment, read from ACCORD_* environment variables.

`accord.settings.production` adds the hardening that `check --deploy` asks for.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from accord import paths
from accord.settings import email_url

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = paths.data_dir()


def _kept_secret(env_name: str, filename: str) -> str:
    """The secret from the environment, else one generated once and kept (0600) in the
    data directory."""
    configured = os.environ.get(env_name)
    if configured:
        return configured
    key_file = DATA_DIR / filename
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # Write the new key under a private name, then link it into place: when several
    # processes start at once, exactly one key wins and every process reads that one.
    candidate = DATA_DIR / f".{filename}.{os.getpid()}"
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    try:
        os.link(candidate, key_file)
    except FileExistsError:
        pass
    finally:
        candidate.unlink()
    return key_file.read_text().strip()


SECRET_KEY = _kept_secret("ACCORD_SECRET_KEY", "secret_key")
# Keys the audit chain's HMAC. Kept out of the database, so someone who can write the
# database alone cannot re-chain edited events; keep a copy of it with the backups.
ACCORD_AUDIT_KEY = _kept_secret("ACCORD_AUDIT_KEY", "audit_key")
DEBUG = env_flag("ACCORD_DEBUG")
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ACCORD_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("ACCORD_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "accord.web",
    "accord.accounts",
    "accord.audit",
    "accord.notifications",
    "accord.catalogue",
    "accord.evidence",
    "accord.commitments",
    "accord.figures",
    "accord.badges",
    "accord.cvd",
    "django_tasks_db",
    # Listed so /api/v1/docs serves django-ninja's bundled Swagger UI, not a CDN's copy.
    "ninja",
]

MIDDLEWARE = [
    "accord.web.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and every view: a NUL byte or an out-of-range value never reaches
    # the database, whichever page or route it was sent to.
    "accord.web.edge.EdgeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accord.accounts.middleware.TwoFactorEnrolmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accord.web.middleware.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # `csp_nonce`, made only when a template uses it (see SECURE_CSP).
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.web.context_processors.site",
                "accord.notifications.context_processors.inbox",
            ],
            # `{% can "perm" obj as may %}` in every template, without a `load`.
            "builtins": ["accord.access.templatetags"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("ACCORD_DATABASE_URL") or f"sqlite:///{paths.default_sqlite_path()}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the writer instead of failing at once: web and worker share one file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
# Sends each person on by who they are: the secretariat to its workspace (web.start).
LOGIN_REDIRECT_URL = "web:start"
LOGOUT_REDIRECT_URL = "web:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    path for path in [REPO_DIR / "frontend" / "node_modules" / "htmx.org" / "dist"] if path.is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Failed logins allowed per address and per account in the window, before a lockout.
ACCORD_LOGIN_MAX_FAILURES = int(os.environ.get("ACCORD_LOGIN_MAX_FAILURES", "5"))
ACCORD_LOGIN_WINDOW_SECONDS = int(os.environ.get("ACCORD_LOGIN_WINDOW_SECONDS", "900"))
# One address guessing many accounts, or many addresses guessing one account, are
# stopped at these looser limits, so nobody can lock a person out from elsewhere with
# a handful of tries.
ACCORD_LOGIN_MAX_FAILURES_PER_ADDRESS = int(
    os.environ.get("ACCORD_LOGIN_MAX_FAILURES_PER_ADDRESS", "20")
)
ACCORD_LOGIN_MAX_FAILURES_PER_ACCOUNT = int(
    os.environ.get("ACCORD_LOGIN_MAX_FAILURES_PER_ACCOUNT", "20")
)
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-
# separated). Empty: the connecting address is the client.
ACCORD_TRUSTED_PROXIES = [
    net.strip() for net in os.environ.get("ACCORD_TRUSTED_PROXIES", "").split(",") if net.strip()
]
ACCORD_INSTANCE_NAME = os.environ.get("ACCORD_INSTANCE_NAME", "Accord")
# The instance's public address (scheme and host, e.g. https://accord.example.org): links
# in emails and the yearly report's links to the open data start with it. Unset, the web
# uses the address a request came to, and emails and `accord report` use
# http://127.0.0.1:8000; set it so every link is right and both make the same file.
ACCORD_BASE_URL = os.environ.get("ACCORD_BASE_URL", "").strip().rstrip("/")

# Sign-up, email verification, password reset and API token lifetimes.
# Requests that email an address (sign-up, reset, a verification link again) allowed in
# the window, per address asked about and per client address.
ACCORD_ACCOUNT_REQUEST_WINDOW_SECONDS = int(
    os.environ.get("ACCORD_ACCOUNT_REQUEST_WINDOW_SECONDS", "3600")
)
ACCORD_ACCOUNT_REQUESTS_PER_EMAIL = int(os.environ.get("ACCORD_ACCOUNT_REQUESTS_PER_EMAIL", "3"))
ACCORD_ACCOUNT_REQUESTS_PER_ADDRESS = int(
    os.environ.get("ACCORD_ACCOUNT_REQUESTS_PER_ADDRESS", "10")
)
# A password reset link works once, for an hour; a verification link for three days.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("ACCORD_PASSWORD_RESET_SECONDS", "3600"))
ACCORD_EMAIL_VERIFICATION_SECONDS = int(
    os.environ.get("ACCORD_EMAIL_VERIFICATION_SECONDS", str(3 * 24 * 3600))
)
# Every API token expires: by default after this many days, at most after a year.
ACCORD_TOKEN_DEFAULT_DAYS = int(os.environ.get("ACCORD_TOKEN_DEFAULT_DAYS", "90"))
ACCORD_TOKEN_MAX_DAYS = int(os.environ.get("ACCORD_TOKEN_MAX_DAYS", "365"))
# The owner is told this many days before a token expires.
ACCORD_TOKEN_WARN_DAYS = int(os.environ.get("ACCORD_TOKEN_WARN_DAYS", "7"))
# Onboarding: how long an invitation link works, and how many applications one address
# (and one contact email) may send a day, so the public form cannot flood the queue.
ACCORD_INVITATION_DAYS = float(os.environ.get("ACCORD_INVITATION_DAYS", "7"))
ACCORD_APPLICATIONS_PER_ADDRESS_PER_DAY = int(
    os.environ.get("ACCORD_APPLICATIONS_PER_ADDRESS_PER_DAY", "10")
)
ACCORD_APPLICATIONS_PER_EMAIL_PER_DAY = int(
    os.environ.get("ACCORD_APPLICATIONS_PER_EMAIL_PER_DAY", "3")
)
# The instance's logo in every page's header: an https:// address, or the path of an
# .svg, .png, .jpg or .webp file on this machine (served at /branding/logo).
ACCORD_INSTANCE_LOGO = os.environ.get("ACCORD_INSTANCE_LOGO", "")


def image_sources(logo: str) -> list[str]:
    """Where pages may load images from: this instance, data: URLs (the API docs'
    stylesheet draws its icons with them) and the origin of a logo given as an address."""
    sources = [CSP.SELF, "data:"]
    address = urlsplit(logo)
    if address.scheme in {"https", "http"} and address.netloc:
        sources.append(f"{address.scheme}://{address.netloc}")
    return sources


# Every page's policy: scripts and styles from this instance's static files only, never
# inline, so markup injected into a page can neither run nor restyle it. Responses that
# set their own policy keep it (badges, the logo, uploaded documents, the HTML report).
# The nonce appears only on the pages that ask for one (Django's CSRF failure page).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": image_sources(ACCORD_INSTANCE_LOGO),
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}


# Background tasks (django.tasks). "database" (the default) keeps the queue in the
# database and `accord serve` runs a worker beside the web server: nothing else to
# install. "redis" hands tasks to RQ through Redis, for `accord worker` processes on
# any number of machines. "immediate" runs each task at once, in the enqueuing process.
ACCORD_TASK_BACKEND = os.environ.get("ACCORD_TASK_BACKEND", "database").strip().lower()
ACCORD_REDIS_URL = os.environ.get("ACCORD_REDIS_URL", "redis://127.0.0.1:6379/0")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_rq.RQBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
if ACCORD_TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"ACCORD_TASK_BACKEND must be one of {', '.join(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[ACCORD_TASK_BACKEND], "QUEUES": ["default"]}}
# Jobs cross Redis as JSON, never pickle: a task takes ids and returns plain values, and
# whoever can write to Redis cannot make a worker run code by unpickling.
RQ_QUEUES = {
    "default": {
        "URL": ACCORD_REDIS_URL,
        "DEFAULT_TIMEOUT": 600,
        "SERIALIZER": "rq.serializers.JSONSerializer",
    }
}
if ACCORD_TASK_BACKEND == "redis":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]

# Commitments: the largest document an organisation may upload as proof, and how long
# failing evidence may last before a verified practice lapses.
ACCORD_UPLOAD_MAX_BYTES = int(os.environ.get("ACCORD_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
ACCORD_LAPSE_GRACE_DAYS = float(os.environ.get("ACCORD_LAPSE_GRACE_DAYS", "14"))

# Coordinated disclosure: the largest file a report may carry, and how many reports one
# address (and one reporter, by email or account) may send in an hour.
ACCORD_CVD_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("ACCORD_CVD_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
ACCORD_CVD_REPORTS_PER_HOUR = int(os.environ.get("ACCORD_CVD_REPORTS_PER_HOUR", "5"))

# CVE Services, for a coalition that is a CNA: where it is and who the instance is there.
# The credentials come from the environment alone: never the database, never a log line.
# With ACCORD_CVE_SERVICES_ORG, _USER or _API_KEY unset, nothing is submitted. The CNA's
# UUID (ACCORD_CVE_CNA_ORG_ID) names it as the assigner in the CVE records it publishes.
# ACCORD_CVE_SERVICES is what connects (a callable returning a `CveServices`); tests name
# an in-memory one.
ACCORD_CVE_SERVICES = "accord.cvd.cve_services.from_settings"
ACCORD_CVE_SERVICES_URL = (
    os.environ.get("ACCORD_CVE_SERVICES_URL", "").strip() or "https://cveawg.mitre.org/api/"
)
ACCORD_CVE_SERVICES_ORG = os.environ.get("ACCORD_CVE_SERVICES_ORG", "").strip()
ACCORD_CVE_SERVICES_USER = os.environ.get("ACCORD_CVE_SERVICES_USER", "").strip()
ACCORD_CVE_SERVICES_API_KEY = os.environ.get("ACCORD_CVE_SERVICES_API_KEY", "").strip()
ACCORD_CVE_CNA_ORG_ID = os.environ.get("ACCORD_CVE_CNA_ORG_ID", "").strip()

# CVD publication: the node script that runs the BSI CSAF validator's mandatory tests
# (CSAF 2.0 section 6.1) on each CSAF document; blank: the JSON schema alone. By default,
# the project's script once `make install` has put the library under tools/csaf-validator.
_CSAF_VALIDATOR_DIR = REPO_DIR / "tools" / "csaf-validator"
ACCORD_CSAF_VALIDATOR = os.environ.get("ACCORD_CSAF_VALIDATOR", "").strip() or (
    str(_CSAF_VALIDATOR_DIR / "validate.mjs")
    if (_CSAF_VALIDATOR_DIR / "node_modules").is_dir()
    else ""
)

# Evidence scans: each domain is scanned again once its latest scan is this old; the
# scheduler in `accord worker --schedule` (and `accord serve`) looks every few minutes.
ACCORD_SCAN_INTERVAL_HOURS = float(os.environ.get("ACCORD_SCAN_INTERVAL_HOURS", "24"))
ACCORD_SCHEDULE_EVERY_SECONDS = float(os.environ.get("ACCORD_SCHEDULE_EVERY_SECONDS", "300"))
ACCORD_SCAN_DOMAIN_TIMEOUT = float(os.environ.get("ACCORD_SCAN_DOMAIN_TIMEOUT", "60"))
# What the scanner fetches with: a callable returning a `Fetcher`. Tests name an
# in-memory one; the lab options below reach the default SafeFetcher.
ACCORD_SCAN_FETCHER = "accord.evidence.services.safe_fetcher"
ACCORD_SCAN_ALLOW_PRIVATE = env_flag("ACCORD_SCAN_ALLOW_PRIVATE")
ACCORD_SCAN_CONNECT_TO = [
    rule.strip() for rule in os.environ.get("ACCORD_SCAN_CONNECT_TO", "").split(",") if rule.strip()
]
ACCORD_SCAN_CA_BUNDLE = os.environ.get("ACCORD_SCAN_CA_BUNDLE") or None

# Proof of domain control: what looks up the `_accord-challenge` TXT records (a callable
# returning a `TxtResolver`; tests name a fake one), its timeout and nameservers (comma-
# separated addresses; empty: the system's). A verified domain is checked again every
# ACCORD_DOMAIN_PROOF_CHECK_HOURS; once its checks have failed for
# ACCORD_DOMAIN_PROOF_GRACE_DAYS, the proof lapses and the domain stops counting.
ACCORD_DNS_RESOLVER = "accord.evidence.services.dns_resolver"
ACCORD_DNS_TIMEOUT = float(os.environ.get("ACCORD_DNS_TIMEOUT", "5"))
ACCORD_DNS_NAMESERVERS = [
    ns.strip() for ns in os.environ.get("ACCORD_DNS_NAMESERVERS", "").split(",") if ns.strip()
]
ACCORD_DOMAIN_PROOF_CHECK_HOURS = float(os.environ.get("ACCORD_DOMAIN_PROOF_CHECK_HOURS", "24"))
ACCORD_DOMAIN_PROOF_GRACE_DAYS = float(os.environ.get("ACCORD_DOMAIN_PROOF_GRACE_DAYS", "3"))

# Email: with ACCORD_EMAIL_URL unset, messages are kept in the outbox the secretariat reads.
# smtp://user:pass@host:587 (STARTTLS), smtps://host:465, smtp://127.0.0.1:25?tls=none;
# see accord.settings.email_url. ACCORD_EMAIL_CA_BUNDLE trusts a private CA's server.
ACCORD_EMAIL_URL = os.environ.get("ACCORD_EMAIL_URL", "").strip()
ACCORD_EMAIL_ENABLED = bool(ACCORD_EMAIL_URL)
ACCORD_EMAIL_TIMEOUT = float(os.environ.get("ACCORD_EMAIL_TIMEOUT", "30"))
MAILERS = email_url.mailers(
    ACCORD_EMAIL_URL,
    timeout=ACCORD_EMAIL_TIMEOUT,
    ca_bundle=os.environ.get("ACCORD_EMAIL_CA_BUNDLE") or None,
)
DEFAULT_FROM_EMAIL = SERVER_EMAIL = email_url.sender(
    os.environ.get("ACCORD_EMAIL_FROM", "accord@localhost")
)
# Daily digests go out from this hour on (UTC), for those who chose them.
ACCORD_DIGEST_HOUR = int(os.environ.get("ACCORD_DIGEST_HOUR", "7"))
if not 0 <= ACCORD_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("ACCORD_DIGEST_HOUR must be an hour from 0 to 23")

# Logs go to stderr: plain lines, or one JSON object a line for a log collector
# (`ACCORD_LOG_FORMAT=json`; `accord.logs` says which fields).
ACCORD_LOG_FORMAT = os.environ.get("ACCORD_LOG_FORMAT", "plain").strip().lower() or "plain"
if ACCORD_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("ACCORD_LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "accord.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(name)s] %(message)s"},
        "json": {"()": "accord.logs.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": ACCORD_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ACCORD_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
