from django.urls import path

from accord.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("changelog/", views.changelog, name="changelog"),
    path("frameworks/<slug:slug>/", views.framework, name="framework"),
    path("frameworks/<slug:slug>/<str:key>/", views.norm, name="norm"),
    path("practices/<str:practice_id>/", views.practice, name="practice"),
    path("profiles/<slug:slug>/", views.profile, name="profile"),
]
