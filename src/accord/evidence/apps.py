from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "accord.evidence"
    label = "evidence"

    def ready(self) -> None:
        from accord.evidence.hooks import VERDICT_CHANGED
        from accord.evidence.notices import tell_of_failing_check

        VERDICT_CHANGED.subscribe(tell_of_failing_check)
