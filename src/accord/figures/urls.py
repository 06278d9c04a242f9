"""The adoption dashboard."""

from accord.figures import views

app_name = "figures"
urlpatterns = views.urlpatterns
