"""Commitment pages: scorecards, commitments, attestations, documents and their review."""

from accord.commitments import views

app_name = "commitments"
urlpatterns = views.urlpatterns
