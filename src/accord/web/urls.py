from django.urls import path

from accord.web import branding, people_views, secretariat_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    *secretariat_views.urlpatterns,
    *people_views.urlpatterns,
    path("branding/logo", branding.logo, name="logo"),
    path("favicon.ico", branding.favicon, name="favicon"),
]
