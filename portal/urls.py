from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from portal import api, views
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
    path("mot-de-passe/", auth_views.PasswordChangeView.as_view(), name="password_change"),
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

# French error pages in the layout (portal.views).
handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path("compte/", include(account_patterns)),
    path("amiable/", include("amiable.urls")),
    path("admin/", admin.site.urls),
    path("facturation/", include("billing.urls")),
    path("resiliations/", include("resiliation.urls")),
    path("api/v1/", include((api_patterns, "api"))),
    path("api/v1/amiable/", include("amiable.api_urls")),
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
