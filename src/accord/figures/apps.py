from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "accord.figures"
    label = "figures"

    def ready(self) -> None:
        # Declares the app's permission rules into `accord.access`.
        from accord.figures import rules  # noqa: F401
