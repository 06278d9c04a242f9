from django.urls import path

from accord.evidence import views

app_name = "evidence"
urlpatterns = [
    path("organisations/<slug:slug>/domains/", views.domain_add, name="domain_add"),
    path("domains/<int:domain_id>/", views.domain, name="domain"),
    path("domains/<int:domain_id>/scan/", views.domain_scan, name="domain_scan"),
    path("domains/<int:domain_id>/check/", views.domain_check, name="domain_check"),
    path("domains/<int:domain_id>/award/", views.domain_award, name="domain_award"),
    path("disputes/", views.disputes, name="disputes"),
    path("observations/<int:observation_id>/", views.observation, name="observation"),
]
