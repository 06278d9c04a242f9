"""The adoption dashboard and the archive of yearly reports."""

from accord.figures import report_views, views

app_name = "figures"
urlpatterns = views.urlpatterns + report_views.urlpatterns
