"""gunicorn's settings file for `accord serve` when ACCORD_LOG_FORMAT=json (loaded as
`--config python:accord.gunicorn_json`): its own logs as JSON lines, like Django's."""

from accord.logs import gunicorn_logging

logconfig_dict = gunicorn_logging()
