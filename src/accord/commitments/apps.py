from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "accord.commitments"
    label = "commitments"

    def ready(self) -> None:
        from accord.commitments.services import follow_observation
        from accord.evidence.hooks import OBSERVATION_RECORDED

        OBSERVATION_RECORDED.subscribe(follow_observation)
