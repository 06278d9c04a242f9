from django.urls import path

from accord.web import secretariat_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    *secretariat_views.urlpatterns,
]
