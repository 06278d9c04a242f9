"""Badges, their verification pages and the assessment results behind them."""

from accord.badges import views

app_name = "badges"
urlpatterns = views.urlpatterns
