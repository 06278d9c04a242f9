from django.urls import path

from accord.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/read/", views.read, name="read"),
    path("read/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/", views.outbox_message, name="outbox_message"),
    path("outbox/<int:message_id>/resend/", views.resend, name="resend"),
]
