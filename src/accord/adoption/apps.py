from django.apps import AppConfig


class AdoptionConfig(AppConfig):
    name = "accord.adoption"
    label = "adoption"
