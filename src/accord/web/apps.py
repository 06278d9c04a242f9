from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "accord.web"
    label = "web"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from accord.web.request_id import forget_request_id

        request_finished.connect(forget_request_id, dispatch_uid="accord.web.request_id")
