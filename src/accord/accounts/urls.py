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
    # Sign-up, email verification, password reset, recovery codes.
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup_done"),
    path("verify/resend/", views.verify_resend, name="verify_resend"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    # Before the link's own pattern, which "set-password" would also match.
    path(
        "password/reset/<str:uidb64>/set-password/",
        views.password_reset_set,
        name="password_reset_set",
    ),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("login/recovery/", views.login_recovery, name="login_recovery"),
    path(
        "two-factor/recovery-codes/",
        views.recovery_codes_regenerate,
        name="recovery_codes_regenerate",
    ),
    path("two-factor/replace/", views.authenticator_replace, name="authenticator_replace"),
]
