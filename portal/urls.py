from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from portal import account_views, api, help_views, views
from portal.account_forms import AccountPasswordChangeForm
from portal.forms import EmailAuthenticationForm, OutboxPasswordResetForm

admin.site.site_header = "Portail courtiers — administration"
admin.site.site_title = "Administration"
admin.site.index_title = "Back-office de L'Auxiliaire"
# The lists need the width (a clerk's screen: 1280 px): the app list is on the index and breadcrumbs.
admin.site.enable_nav_sidebar = False

account_patterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", auth_views.PasswordChangeView.as_view(form_class=AccountPasswordChangeForm),
         name="password_change"),
    path("mot-de-passe/modifie/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "mot-de-passe-oublie/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path("mot-de-passe-oublie/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reinitialiser/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reinitialiser/termine/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

api_patterns = [
    path("emissions/", api.emissions_import_api, name="emissions"),
    path("payments/", api.payments_import_api, name="payments"),
]

# ---- accounts ----
# Sign-up, Mon compte, users and rights, portfolio, organisation switch (issue 10 §1–5).
account_patterns += [
    path("inscription/", account_views.signup, name="signup"),
    path("inscription/envoye/", account_views.signup_sent, name="signup_sent"),
    path("activation/renvoyer/", account_views.activation_resend, name="activation_resend"),
    path("activation/<uidb64>/<token>/", account_views.account_activate, name="account_activate"),
    path("invitation/<uidb64>/<token>/", account_views.invitation_accept, name="invitation_accept"),
    path("", account_views.account, name="account"),
    path("coordonnees/", account_views.account_details, name="account_details"),
    path("coordonnees/confirmer/<uidb64>/<token>/", account_views.account_email_confirm,
         name="account_email_confirm"),
    path("entete/", account_views.account_letterhead, name="account_letterhead"),
    path("utilisateurs/", account_views.account_users, name="account_users"),
    path("utilisateurs/nouveau/", account_views.account_user_new, name="account_user_new"),
    path("utilisateurs/<int:membership_id>/", account_views.account_user, name="account_user"),
    path("utilisateurs/<int:membership_id>/desactiver/", account_views.account_user_deactivate,
         name="account_user_deactivate"),
    path("utilisateurs/<int:membership_id>/reactiver/", account_views.account_user_reactivate,
         name="account_user_reactivate"),
    path("utilisateurs/<int:membership_id>/invitation/", account_views.account_user_resend,
         name="account_user_resend"),
    path("profils/", account_views.account_profiles, name="account_profiles"),
    path("profils/nouveau/", account_views.account_profile_new, name="account_profile_new"),
    path("profils/<int:profile_id>/", account_views.account_profile, name="account_profile"),
    path("journal/", account_views.account_audit, name="account_audit"),
    path("changer-de-cabinet/", account_views.organisation_switch, name="organisation_switch"),
]
# ---- end accounts ----

# French error pages in the layout (portal.views).
handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path("compte/", include(account_patterns)),
    path("portefeuille/", account_views.portfolio, name="portfolio"),  # accounts
    path("amiable/", include("amiable.urls")),
    path("admin/", admin.site.urls),
    path("facturation/", include("billing.urls")),
    path("resiliations/", include("resiliation.urls")),
    path("courriers/", include("courrier.urls")),
    path("activite/", include("activity.urls")),
    path("commissions/", include("commissions.urls")),
    path("", include("certificates.urls")),  # /attestations/… and the public /verifier/<code>
    path("api/v1/", include((api_patterns, "api"))),
    path("api/v1/amiable/", include("amiable.api_urls")),
    path("api/v1/courrier/", include("courrier.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # Redoc injects its styles and runs a worker from a blob: only this page allows them.
        login_required(csp_override(
            {
                "default-src": [CSP.SELF],
                "script-src": [CSP.SELF],
                "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
                "worker-src": [CSP.SELF, "blob:"],
                "img-src": [CSP.SELF, "data:"],
                "font-src": [CSP.SELF, "data:"],
            }
        )(SpectacularRedocView.as_view(url_name="api-schema"))),
        name="api-docs",
    ),
]

# ---- help ----
help_patterns = [
    path("demande/", help_views.help_request_new, name="help_request_new"),
    path("demandes/", help_views.help_requests, name="help_requests"),
    path("demandes/<int:file_number>/", help_views.help_request, name="help_request"),
    path("demandes/<int:file_number>/pieces/<int:attachment_id>/", help_views.help_attachment,
         name="help_attachment"),
    path("questions-frequentes/", help_views.faq, name="faq"),
]
urlpatterns += [
    path("aide/", include(help_patterns)),
    path("pages/<slug:slug>/", help_views.site_page, name="site_page"),
    path("nouveautes/", views.news, name="news"),  # issue 13 §6
]

# ---- library and quotes (issue 13 §4–5) ----
urlpatterns += [
    path("contrats/", include("library.urls")),
    path("devis/", include("quotes.urls")),
]
