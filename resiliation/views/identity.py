"""« Continuer la vérification » (seed 001 §7): on to the identity operator of the pending check."""

from __future__ import annotations

from django.shortcuts import redirect

from portal.views import action_call
from resiliation import selectors, services
from resiliation.models import IdentityStatus, IdentityVerification
from resiliation.views import sending
from resiliation.views.common import resiliation_page


@resiliation_page
def identity_continue(request):
    """The sandbox operator is the portal's own page (``views.sending.identity_verify``, which
    shows the SMS code); a real operator's page is the provider's, opened at the provider first
    if an earlier attempt got no answer."""
    check = IdentityVerification.objects.filter(user=request.user, status=IdentityStatus.PENDING).first()
    if check is None:
        return redirect("resiliation:identity")
    if selectors.identity_check_in_sandbox(check):
        return sending.identity_verify(request)
    if not action_call(request, services.identity_check_open, check=check):  # the provider does not answer
        return redirect("resiliation:identity")
    return redirect(check.verification_url)
