"""Production hardening on top of the base settings (`check --deploy` passes).

Use with DJANGO_SETTINGS_MODULE=accord.settings.production behind a TLS proxy.
"""

from accord import settings as base

globals().update({name: value for name, value in vars(base).items() if name.isupper()})

DEBUG = False
SECURE_SSL_REDIRECT = base.env_flag("ACCORD_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
