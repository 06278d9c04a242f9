from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "accord.evidence"
    label = "evidence"

    def ready(self) -> None:
        from accord.accounts.hooks import DOMAIN_ADDED
        from accord.evidence.services import scan_added_domain

        DOMAIN_ADDED.subscribe(scan_added_domain)
