from django.apps import AppConfig


class AdoptionConfig(AppConfig):
    name = "accord.adoption"
    label = "adoption"

    def ready(self) -> None:
        from accord.adoption.services import follow_observation
        from accord.evidence.hooks import OBSERVATION_RECORDED

        OBSERVATION_RECORDED.subscribe(follow_observation)
