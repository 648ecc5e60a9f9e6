"""Pages of accounts (issue 10 §1–5): sign-up and activation, Mon compte, the users and
delegation profiles of the organisation, the portfolio, the organisation switch. One function
per page, thin: parse a form, call one service (``portal.accounts``), answer. Permission checks
are here (decorators), never in templates; rows are read through ``portal.account_selectors``
scoped to the current organisation, so another organisation's id answers 404."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from portal import account_selectors as selectors
from portal import accounts, navigation
from portal.account_forms import (
    DetailsForm,
    InviteForm,
    LetterheadLineForm,
    MembershipForm,
    OriasForm,
    PasswordSetForm,
    ProfileForm,
    ResendForm,
    SignupForm,
    add_service_errors,
)
from portal.errors import ApplicationError
from portal.forms import search_term
from portal.memberships import SESSION_KEY, has_memberships
from portal.models import AuditAction, Role, orias_display

PAGE_SIZE = 50
HELP_REQUEST_PATH = "/aide/demande/"  # the navigation contract's « help_request_new »


def help_request_url(subject: str, about: str = "") -> str:
    """A prefilled help request (« Demande d'aide »); the Help pages read ``sujet`` and ``objet``."""
    try:
        base = reverse("help_request_new")
    except NoReverseMatch:
        base = HELP_REQUEST_PATH
    query = {"sujet": subject, **({"objet": about} if about else {})}
    return f"{base}?{urlencode(query)}"


def intermediary_required(view):
    """A page of a broker's or agent's user (their current organisation); 403 for staff."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not has_memberships(request.user) or not request.user.organisation_id:
            raise PermissionDenied("Cette page est celle des utilisateurs des cabinets.")
        return view(request, *args, **kwargs)

    return wrapped


def administrator_required(view):
    """A page of the current organisation's administrators (403 otherwise)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not selectors.is_administrator(request.user):
            raise PermissionDenied("Seul un administrateur du cabinet peut ouvrir cette page.")
        return view(request, *args, **kwargs)

    return wrapped


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for attribute, number in (("previous_url", page.previous_page_number() if page.has_previous() else None),
                              ("next_url", page.next_page_number() if page.has_next() else None)):
        if number is not None:
            query["page"] = str(number)
            setattr(page, attribute, f"?{query.urlencode()}")
    return page


# --------------------------------------------------------------------------- sign-up


def signup(request):
    """« S'inscrire gratuitement »: step 1 (ORIAS number, or « Continuer sans ORIAS »), then the
    form of seed 001 §2."""
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = accounts.signup_register(data=accounts.SignupData(
                    email=data["email"], password1=data["password1"], password2=data["password2"],
                    last_name=data["last_name"], first_name=data["first_name"], trade_name=data["trade_name"],
                    orias=data["orias"] or None, affiliation=data["affiliation"],
                    address_line1=data["address_line1"], address_line2=data["address_line2"],
                    postal_code=data["postal_code"], city=data["city"], phone=data["phone"],
                    mobile_phone=data["mobile_phone"], terms_accepted=data["terms_accepted"]))
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                request.session["signup_email"] = user.email
                return redirect("signup_sent")
        orias = request.POST.get("orias") or None
        return render(request, "portal/account/signup.html", {"form": form, "orias": orias_display(orias),
                                                              "step": 2, **_terms_links()})
    orias_form = OriasForm(request.GET or None)
    if "sans-orias" in request.GET:
        return render(request, "portal/account/signup.html", {"form": SignupForm(), "step": 2, **_terms_links()})
    if "orias" in request.GET and orias_form.is_valid():
        try:
            orias = accounts.check_orias(orias_form.cleaned_data["orias"])
            if orias is None:
                raise ApplicationError("Entrez votre numéro ORIAS, ou continuez sans ORIAS.", field="orias")
            accounts.check_orias_free(orias)
        except ApplicationError as error:
            add_service_errors(orias_form, error)
        else:
            return render(request, "portal/account/signup.html", {
                "form": SignupForm(initial={"orias": orias}), "orias": orias_display(orias), "step": 2,
                **_terms_links()})
    return render(request, "portal/account/signup.html", {"orias_form": orias_form, "step": 1})


def _terms_links() -> dict:
    links = {}
    for key, slug in (("cgu_url", "conditions-utilisation"), ("cgv_url", "conditions-vente")):
        try:
            links[key] = reverse("site_page", args=[slug])
        except NoReverseMatch:
            links[key] = f"/pages/{slug}/"
    return links


def signup_sent(request):
    """« Un e-mail a été envoyé à l'adresse … Il contient un lien d'activation … »."""
    email = request.session.get("signup_email", "")
    return render(request, "portal/account/signup_sent.html", {"email": email, "resend_form": ResendForm(
        initial={"email": email})})


@require_http_methods(["GET", "POST"])
def activation_resend(request):
    """« Renvoyer le lien »: the same answer whether the address has an account or not."""
    form = ResendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.activation_resend(email=form.cleaned_data["email"])
        return render(request, "portal/account/activation_resent.html", {"email": form.cleaned_data["email"]})
    return render(request, "portal/account/activation_resend.html", {"form": form})


@require_http_methods(["GET", "POST"])
def account_activate(request, uidb64: str, token: str):
    """The activation link: a button activates (a link checker opening the e-mail does not)."""
    try:
        if request.method == "POST":
            accounts.account_activate(uidb64=uidb64, token=token)
            messages.success(request, "Votre compte est activé : connectez-vous avec votre adresse e-mail et votre "
                                      "mot de passe.")
            return redirect("login")
        user = accounts.activation_link_user(uidb64=uidb64, token=token)
    except ApplicationError as error:
        return render(request, "portal/account/link_invalid.html",
                      {"message": error.message, "resend_form": ResendForm()}, status=400 if request.method == "POST"
                      else 200)
    return render(request, "portal/account/activate.html", {"person": user})


@require_http_methods(["GET", "POST"])
def invitation_accept(request, uidb64: str, token: str):
    """The invitation link: the invited person chooses their password, then is signed in."""
    try:
        person = accounts.invitation_link_user(uidb64=uidb64, token=token)
    except ApplicationError as error:
        return render(request, "portal/account/link_invalid.html", {"message": error.message})
    form = PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = accounts.invitation_accept(uidb64=uidb64, token=token, **form.cleaned_data)
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            login(request, person, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Bienvenue ! Votre mot de passe est enregistré.")
            return redirect("home")
    return render(request, "portal/account/invitation.html", {"form": form, "person": person})


# ------------------------------------------------------------------------ Mon compte


@login_required
def account(request):
    """« Mon compte » (seed 001 §9): credits and receipts, password, details, letter header, users."""
    user = request.user
    return render(request, "portal/account/index.html", {
        "intermediary": has_memberships(user) and bool(user.organisation_id),
        "administrator": selectors.is_administrator(user),
        "module_links": navigation.for_request(request).module_account_links,  # credits, receipts, invoices…
        "add_space_url": help_request_url("ajout_espace"),
    })


@intermediary_required
@require_http_methods(["GET", "POST"])
def account_details(request):
    """« Modifier mes coordonnées »: e-mail and phones editable, the rest greyed (help request)."""
    user = request.user
    administrator = selectors.is_administrator(user)
    initial = {"email": user.email, "phone": user.phone, "mobile_phone": user.mobile_phone,
               "organisation_phone": user.organisation.phone}
    form = DetailsForm(request.POST or None, initial=initial, administrator=administrator)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = accounts.account_details_update(
                user=user, email=data["email"], phone=data["phone"], mobile_phone=data["mobile_phone"],
                organisation_phone=data["organisation_phone"] if administrator else None)
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            if result.confirmation_sent_to:
                messages.success(request, f"Un e-mail a été envoyé à l'adresse {result.confirmation_sent_to} : "
                                          "cliquez sur son lien pour confirmer votre nouvelle adresse (valable "
                                          "48 heures). D'ici là, vous vous connectez avec l'adresse actuelle.")
            else:
                messages.success(request, "Vos coordonnées sont enregistrées.")
            return redirect("account_details")
    organisation = user.organisation
    greyed = [("Prénom", user.first_name), ("Nom", user.last_name), ("Nom commercial", organisation.signature_name),
              ("N° ORIAS", organisation.orias_display or "—"), ("Affiliation", organisation.get_affiliation_display()),
              ("Adresse", organisation.address_line1), ("Complément d'adresse", organisation.address_line2),
              ("Code postal", organisation.postal_code), ("Ville", organisation.city)]
    if not administrator:
        greyed.append(("Téléphone du cabinet", organisation.phone))
    about = f"Modification des coordonnées du compte {organisation.signature_name} ({user.email})"
    return render(request, "portal/account/details.html", {
        "form": form, "greyed": greyed, "help_url": help_request_url("compte", about),
        "pending_email": user.pending_email,
    })


@require_http_methods(["GET", "POST"])
def account_email_confirm(request, uidb64: str, token: str):
    """The link sent to a new address: a button confirms it; it then becomes the login."""
    try:
        if request.method == "POST":
            person = accounts.email_change_confirm(uidb64=uidb64, token=token)
            messages.success(request, f"Votre adresse e-mail est maintenant {person.email} : utilisez-la pour vous "
                                      "connecter.")
            return redirect("account" if request.user.is_authenticated else "login")
        person = accounts.email_change_link_user(uidb64=uidb64, token=token)
    except ApplicationError as error:
        return render(request, "portal/account/link_invalid.html", {"message": error.message},
                      status=400 if request.method == "POST" else 200)
    return render(request, "portal/account/email_confirm.html", {"person": person})


@intermediary_required
@require_http_methods(["GET", "POST"])
def account_letterhead(request):
    """« Entête des lettres »: live preview; administrators add, reorder and remove lines."""
    user = request.user
    organisation = user.organisation
    administrator = selectors.is_administrator(user)
    form = LetterheadLineForm(request.POST or None)
    if request.method == "POST":
        if not administrator:
            raise PermissionDenied("Seul un administrateur du cabinet modifie l'entête des lettres.")
        action = request.POST.get("action")
        try:
            if not form.is_valid():
                pass  # the field's own error
            elif action == "add":
                organisation = accounts.letterhead_line_add(organisation=organisation, by=user,
                                                            text=form.cleaned_data["line"])
            elif action in ("up", "down", "remove"):
                index = _int(request.POST.get("index"))
                line = request.POST.get("line", "")
                if action == "remove":
                    organisation = accounts.letterhead_line_remove(organisation=organisation, by=user, index=index,
                                                                   line=line)
                else:
                    organisation = accounts.letterhead_line_move(organisation=organisation, by=user, index=index,
                                                                 line=line, offset=-1 if action == "up" else 1)
            else:
                raise ApplicationError("Action inconnue.")
        except ApplicationError as error:
            add_service_errors(form, error)
        if not form.errors:
            if not request.htmx:
                return redirect("account_letterhead")
            form = LetterheadLineForm()  # done: an empty field for the next line
    draft = " ".join((request.GET.get("line") or "").split())[:accounts.LETTERHEAD_LINE_MAX] if administrator else ""
    context = {"organisation": organisation, "letterhead": organisation.letterhead, "form": form,
               "administrator": administrator, "draft": draft, "max_lines": accounts.LETTERHEAD_MAX_LINES}
    if request.htmx:  # typing a line: the preview; a change: the lines and the preview
        template = ("portal/account/letterhead.html#preview" if request.method == "GET"
                    else "portal/account/_letterhead_changed.html")
        return render(request, template, context, status=400 if form.errors else 200)
    return render(request, "portal/account/letterhead.html", context, status=400 if form.errors else 200)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# ------------------------------------------------------------------ users and rights


@administrator_required
def account_users(request):
    """« Gérer les utilisateurs du compte »."""
    organisation_id = request.user.organisation_id
    search = search_term(request.GET)
    return render(request, "portal/account/users.html", {
        "page": _page(request, selectors.memberships_of(organisation_id=organisation_id, search=search)),
        "search": search, "admin_role": Role.ADMINISTRATOR,
    })


@administrator_required
@require_http_methods(["GET", "POST"])
def account_user_new(request):
    """« Nouvel utilisateur »: an invitation e-mail lets the person choose their password."""
    user = request.user
    form = InviteForm(request.POST or None, organisation_id=user.organisation_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = accounts.user_invite(organisation=user.organisation, by=user, email=data["email"],
                                              first_name=data["first_name"], last_name=data["last_name"],
                                              phone=data["phone"], role=data["role"], profiles=data["profiles"])
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Invitation envoyée à {membership.user.email}.")
            return redirect("account_users")
    return render(request, "portal/account/user_new.html", {"form": form})


def _membership(request, membership_id: int):
    membership = selectors.membership_of_organisation(organisation_id=request.user.organisation_id,
                                                      membership_id=membership_id)
    if membership is None:
        raise Http404("Utilisateur introuvable.")
    return membership


@administrator_required
@require_http_methods(["GET", "POST"])
def account_user(request, membership_id: int):
    """« Modifier » a user: role and delegation profiles; deactivate or reactivate."""
    membership = _membership(request, membership_id)
    form = MembershipForm(request.POST or None, organisation_id=request.user.organisation_id, initial={
        "role": membership.role, "profiles": list(membership.delegation_profiles.values_list("pk", flat=True))})
    if request.method == "POST" and form.is_valid():
        try:
            accounts.membership_update(membership=membership, by=request.user, role=form.cleaned_data["role"],
                                       profiles=form.cleaned_data["profiles"])
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Les droits de {membership.user} sont enregistrés.")
            return redirect("account_users" if selectors.is_administrator(_reloaded_role(request)) else "home")
    person = membership.user
    return render(request, "portal/account/user.html", {
        "form": form, "membership": membership, "person": person,
        "pending": person.activated_at is None and not person.has_usable_password(),
    })


def _reloaded_role(request):
    """After changing their own role, the administrator may no longer be one."""
    user = request.user
    membership = selectors.membership_of_organisation(organisation_id=user.organisation_id,
                                                      membership_id=getattr(getattr(user, "membership", None), "pk", 0))
    if membership is not None:
        user.role = membership.role
    return user


@require_POST
@administrator_required
def account_user_deactivate(request, membership_id: int):
    return _set_active(request, membership_id, active=False)


@require_POST
@administrator_required
def account_user_reactivate(request, membership_id: int):
    return _set_active(request, membership_id, active=True)


def _set_active(request, membership_id: int, *, active: bool):
    membership = _membership(request, membership_id)
    try:
        accounts.membership_set_active(membership=membership, by=request.user, active=active)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{membership.user} est {'réactivé' if active else 'désactivé'}.")
    return redirect("account_user", membership_id=membership.pk)


@require_POST
@administrator_required
def account_user_resend(request, membership_id: int):
    """« Renvoyer l'invitation »."""
    membership = _membership(request, membership_id)
    try:
        accounts.invitation_resend(membership=membership, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"L'invitation est renvoyée à {membership.user.email}.")
    return redirect("account_user", membership_id=membership.pk)


@administrator_required
def account_profiles(request):
    """« Profils de délégation »: named, reusable, given to collaborators."""
    return render(request, "portal/account/profiles.html", {
        "profiles": selectors.profiles_of(organisation_id=request.user.organisation_id)})


@administrator_required
@require_http_methods(["GET", "POST"])
def account_profile_new(request):
    return _profile_form(request, profile=None)


@administrator_required
@require_http_methods(["GET", "POST"])
def account_profile(request, profile_id: int):
    profile = selectors.profile_of(organisation_id=request.user.organisation_id, profile_id=profile_id)
    if profile is None:
        raise Http404("Profil introuvable.")
    return _profile_form(request, profile=profile)


def _profile_form(request, *, profile):
    initial = {}
    if profile is not None:
        initial = {"name": profile.name, "areas": sorted(profile.areas()),
                   "member_numbers": "\n".join(profile.members.order_by("member_number")
                                               .values_list("member_number", flat=True)),
                   "departements": ", ".join(profile.departements.values_list("code", flat=True))}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = accounts.delegation_profile_save(
                organisation=request.user.organisation, by=request.user, profile=profile,
                data=accounts.ProfileData(name=data["name"], areas=frozenset(data["areas"]),
                                          member_numbers=data["member_numbers"], departements=data["departements"]))
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Le profil « {saved.name} » est enregistré.")
            return redirect("account_profiles")
    return render(request, "portal/account/profile.html", {"form": form, "profile": profile})


@administrator_required
def account_audit(request):
    """« Journal des modifications »: who changed which user, right or detail, when, before/after."""
    return render(request, "portal/account/audit.html", {
        "page": _page(request, selectors.audit_of(organisation_id=request.user.organisation_id)),
        "actions": AuditAction})


@administrator_required
def portfolio(request):
    """« Portefeuille » (seed 003): clients, their policies, to whom each is delegated."""
    organisation_id = request.user.organisation_id
    search = search_term(request.GET)
    page = _page(request, selectors.portfolio_for(organisation_id=organisation_id, search=search))
    members = list(page.object_list)
    delegates = selectors.delegates_of(organisation_id=organisation_id, members=members)
    rows = [{"member": member, "policies": member.own_policies, "delegates": delegates.get(member.pk, [])}
            for member in members]
    return render(request, "portal/account/portfolio.html", {"page": page, "rows": rows, "search": search,
                                                             "add_space_url": help_request_url("ajout_espace")})


# ------------------------------------------------------------ several organisations


@require_POST
@intermediary_required
def organisation_switch(request):
    """« Changer de compte entreprise »: the session acts for another of the person's
    organisations, without signing out; back to the home page (a row of the previous
    organisation would not open in the new one)."""
    try:
        membership = accounts.membership_to_switch_to(user=request.user, membership_id=request.POST.get("membership"))
    except ApplicationError as error:
        raise PermissionDenied(error.message) from error
    request.session[SESSION_KEY] = membership.pk
    messages.success(request, f"Vous travaillez maintenant pour {membership.organisation.signature_name}.")
    return redirect("home")
