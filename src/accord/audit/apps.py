from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "accord.audit"
    label = "audit"

    def ready(self) -> None:
        # Declares the app's permission rules into `accord.access`.
        from accord.audit import rules  # noqa: F401
