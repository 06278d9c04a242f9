from django.apps import AppConfig


class CvdConfig(AppConfig):
    name = "accord.cvd"
    label = "cvd"
    verbose_name = "Coordinated vulnerability disclosure"
