from django.urls import path

from accord.evidence import views

app_name = "evidence"
urlpatterns = [
    path("organisations/<slug:slug>/domains/", views.domain_add, name="domain_add"),
    path("domains/<int:domain_id>/", views.domain, name="domain"),
    path("domains/<int:domain_id>/scan/", views.domain_scan, name="domain_scan"),
    path("observations/<int:observation_id>/", views.observation, name="observation"),
]
