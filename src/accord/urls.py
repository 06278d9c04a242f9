"""The site's URL map: each app owns its own paths."""

from django.urls import include, path

from accord.api import api

urlpatterns = [
    path("", include("accord.web.urls")),
    path("accounts/", include("accord.accounts.urls")),
    path("catalogue/", include("accord.catalogue.urls")),
    # The adoption pages keep the paths they were published under.
    path("adoption/", include("accord.figures.urls")),
    path("adoption/", include("accord.commitments.urls")),
    path("adoption/", include("accord.badges.urls")),
    path("evidence/", include("accord.evidence.urls")),
    path("notifications/", include("accord.notifications.urls")),
    # The report form at /report/ and the cases under /cvd/.
    path("", include("accord.cvd.urls")),
    path("api/v1/", api.urls),
]

handler400 = "accord.web.views.bad_request"
handler403 = "accord.web.views.permission_denied"
handler404 = "accord.web.views.page_not_found"
handler500 = "accord.web.views.server_error"
