from django.urls import path

from accord.accounts import onboarding_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.login_totp, name="login_totp"),
    # Django's LogoutView accepts POST only.
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("organisations/<slug:slug>/", views.organisation, name="organisation"),
    # Applications and invitations (accounts.onboarding_views).
    path("apply/", onboarding_views.apply, name="apply"),
    path("apply/sent/", onboarding_views.apply_sent, name="apply_sent"),
    path(
        "apply/status/<str:token>/",
        onboarding_views.application_status,
        name="application_status",
    ),
    path("applications/", onboarding_views.applications, name="applications"),
    path(
        "applications/<int:application_id>/",
        onboarding_views.application,
        name="application",
    ),
    path(
        "applications/<int:application_id>/admit/",
        onboarding_views.application_decide,
        {"decision": "admit"},
        name="application_admit",
    ),
    path(
        "applications/<int:application_id>/decline/",
        onboarding_views.application_decide,
        {"decision": "decline"},
        name="application_decline",
    ),
    path(
        "organisations/<slug:slug>/invitations/",
        onboarding_views.organisation_invite,
        name="organisation_invite",
    ),
    path("invitations/", onboarding_views.instance_invitations, name="invitations"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        onboarding_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "invitations/accept/<str:token>/",
        onboarding_views.invitation_accept,
        name="invitation_accept",
    ),
]
