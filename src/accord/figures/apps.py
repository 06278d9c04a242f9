from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "accord.figures"
    label = "figures"
