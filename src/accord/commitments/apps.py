from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "accord.commitments"
    label = "commitments"

    def ready(self) -> None:
        from accord.commitments.services import follow_domain_control, follow_observation
        from accord.evidence.hooks import DOMAIN_LAPSED, DOMAIN_PROVEN, OBSERVATION_RECORDED

        OBSERVATION_RECORDED.subscribe(follow_observation)
        # A domain that starts or stops counting changes what the evidence says.
        DOMAIN_PROVEN.subscribe(follow_domain_control)
        DOMAIN_LAPSED.subscribe(follow_domain_control)
