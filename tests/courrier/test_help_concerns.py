"""Paper mail and help requests: a request names an envelope the user may see."""

import pytest

from portal import help
from portal.errors import ApplicationError
from portal.models import HelpSubject

pytestmark = pytest.mark.django_db


def test_a_request_concerns_an_envelope_of_the_organisation(admin_user, other_admin, make_envelope):
    envelope = make_envelope(admin_user)
    kinds = dict(help.concern_choices(user=admin_user))
    [(value, label)] = kinds["Courrier papier"]
    assert value == f"courrier_envelope:{envelope.pk}"
    assert f"courrier n° {envelope.number} — SARL DUPOND (Lettre verte, " in label
    help_request = help.help_request_create(by=admin_user, subject=HelpSubject.PAPER_MAIL, message="Question",
                                            concern=value)
    assert help_request.concern_label.startswith(f"Courrier papier — courrier n° {envelope.number}")
    with pytest.raises(ApplicationError, match="ne vous est pas accessible"):
        help.help_request_create(by=other_admin, subject=HelpSubject.PAPER_MAIL, message="x", concern=value)


def test_a_collaborator_names_only_the_envelopes_their_delegation_shows(admin_user, courrier_collaborator,
                                                                        make_envelope):
    own = make_envelope(courrier_collaborator)
    administrators = make_envelope(admin_user)
    [(_, choices)] = [kind for kind in help.concern_choices(user=courrier_collaborator) if kind[0] == "Courrier papier"]
    assert [value for value, _ in choices] == [f"courrier_envelope:{own.pk}"]
    with pytest.raises(ApplicationError):
        help.help_request_create(by=courrier_collaborator, subject=HelpSubject.PAPER_MAIL, message="x",
                                 concern=f"courrier_envelope:{administrators.pk}")
