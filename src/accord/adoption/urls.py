"""Adoption pages: each view module lists its own paths."""

from accord.adoption import badge_views, dashboard_views, views

app_name = "adoption"
urlpatterns = [*dashboard_views.urlpatterns, *views.urlpatterns, *badge_views.urlpatterns]
