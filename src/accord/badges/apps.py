from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "accord.badges"
    label = "badges"
