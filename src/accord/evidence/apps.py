from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "accord.evidence"
    label = "evidence"

    def ready(self) -> None:
        from accord.accounts.hooks import APPLICATION_ADMITTED
        from accord.evidence.handlers import add_admitted_domains

        # An admitted organisation gets the domains it applied with.
        APPLICATION_ADMITTED.subscribe(add_admitted_domains)
