from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "accord.evidence"
    label = "evidence"

    def ready(self) -> None:
        from accord.accounts.hooks import APPLICATION_ADMITTED
        from accord.evidence.handlers import add_admitted_domains

        # An admitted organisation gets the domains it applied with.
        APPLICATION_ADMITTED.subscribe(add_admitted_domains)
        from accord.evidence.hooks import VERDICT_CHANGED
        from accord.evidence.notices import tell_of_failing_check

        VERDICT_CHANGED.subscribe(tell_of_failing_check)
