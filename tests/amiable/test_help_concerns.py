"""Cycle amiable and help requests: a request names a case the user may see."""

import pytest

from portal import help
from portal.errors import ApplicationError
from portal.models import HelpSubject

pytestmark = pytest.mark.django_db


def test_a_request_concerns_a_case_of_the_users_portfolio(admin_user, other_admin, make_case):
    case = make_case(company_name="BOULANGERIE MARTIN")
    [(label, choices)] = help.concern_choices(user=admin_user)
    assert label == "Dossier du cycle amiable"
    assert choices[0][0] == f"amiable_case:{case.pk}" and "BOULANGERIE MARTIN" in choices[0][1]
    help_request = help.help_request_create(by=admin_user, subject=HelpSubject.AMIABLE, message="Question",
                                            concern=f"amiable_case:{case.pk}")
    assert help_request.concern_label.startswith("Dossier du cycle amiable — police P-1 — BOULANGERIE MARTIN")
    with pytest.raises(ApplicationError, match="ne vous est pas accessible"):
        help.help_request_create(by=other_admin, subject=HelpSubject.AMIABLE, message="x",
                                 concern=f"amiable_case:{case.pk}")


def test_a_collaborator_names_only_the_cases_of_delegated_clients(collaborator, make_case, delegate):
    delegated = make_case(reference="EM-1", policy_number="P-1", member_number="M-1")
    other = make_case(reference="EM-2", policy_number="P-2", member_number="M-2")
    delegate(collaborator, [delegated.policy.member])
    [(_, choices)] = help.concern_choices(user=collaborator)
    assert [value for value, _ in choices] == [f"amiable_case:{delegated.pk}"]
    with pytest.raises(ApplicationError):
        help.help_request_create(by=collaborator, subject=HelpSubject.AMIABLE, message="x",
                                 concern=f"amiable_case:{other.pk}")
