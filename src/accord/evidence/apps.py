from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "accord.evidence"
    label = "evidence"
