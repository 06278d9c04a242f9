from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "accord.catalogue"
    label = "catalogue"

    def ready(self) -> None:
        # Declares the app's permission rules into `accord.access`.
        from accord.catalogue import rules  # noqa: F401
