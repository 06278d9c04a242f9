from django.urls import path

from accord.web.views import home

app_name = "catalogue"
urlpatterns = [
    path("", home, name="index"),
    path("search/", home, name="search"),
]
