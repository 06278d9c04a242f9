from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "accord.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Declares the app's permission rules into `accord.access`.
        from accord.notifications import rules  # noqa: F401
