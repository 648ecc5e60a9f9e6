"""Résiliation and help requests: a request names a letter the user may see; the wizard's
« Demander l'ajout d'un type de contrat » opens a prefilled request."""

import re

import pytest

from portal import help
from portal.errors import ApplicationError
from portal.models import HelpRequest, HelpSubject
from tests.resiliation.test_views import SUBSCRIBER

pytestmark = pytest.mark.django_db


def test_a_request_concerns_one_of_the_users_letters(client_for, admin_user, make_letter):
    letter = make_letter(admin_user)
    client = client_for(admin_user)
    form = client.get("/aide/demande/").content.decode()
    assert f'<option value="termination_letter:{letter.pk}">n° {letter.pk} — {letter.subscriber_name}' in form
    response = client.post("/aide/demande/", {"subject": "resiliation", "message": "La lettre est bloquée",
                                              "concern": f"termination_letter:{letter.pk}"}, follow=True)
    help_request = HelpRequest.objects.get()
    assert (help_request.concern_kind, help_request.concern_id) == ("termination_letter", letter.pk)
    assert f'href="/resiliations/{letter.pk}/">Lettre de résiliation — n° {letter.pk}' in response.content.decode()


def test_a_letter_link_prefills_the_concerned_letter(client_for, admin_user, make_letter):
    letter = make_letter(admin_user)
    form = client_for(admin_user).get(f"/aide/demande/?sujet=resiliation&concerne=termination_letter:{letter.pk}")
    assert re.search(rf'<option value="termination_letter:{letter.pk}" selected>', form.content.decode())


def test_another_organisations_letter_or_a_colleagues_cannot_be_named(client_for, admin_user, collaborator, other_admin,
                                                                    make_letter, delegate):
    letter = make_letter(admin_user)
    delegate(collaborator, [], areas=["resiliation"])
    for user in (other_admin, collaborator):  # a collaborator sees the letters they manage
        with pytest.raises(ApplicationError, match="ne vous est pas accessible"):
            help.help_request_create(by=user, subject=HelpSubject.RESILIATION, message="x",
                                     concern=f"termination_letter:{letter.pk}")
        assert help.concern_choices(user=user) == []
    assert not HelpRequest.objects.exists()
    form = client_for(other_admin).get(f"/aide/demande/?concerne=termination_letter:{letter.pk}").content.decode()
    assert letter.subscriber_name not in form


def test_the_wizard_asks_for_a_new_contract_type_through_a_prefilled_request(client_for, admin_user, insurer):
    client = client_for(admin_user)
    client.post("/resiliations/nouvelle/", SUBSCRIBER)
    client.post("/resiliations/nouvelle/assureur/", {"insurer": insurer.pk})
    types = client.get("/resiliations/nouvelle/type/").content.decode()
    link = re.search(r"<a class=\"button\" href=\"([^\"]+)\">Demander l'ajout d'un type de contrat</a>", types)
    assert link and link.group(1) == "/aide/demande/?sujet=ajout_type_contrat"
    form = client.get(link.group(1)).content.decode()
    assert '<option value="ajout_type_contrat" selected>' in form


def test_a_letter_older_than_those_listed_can_be_named_from_its_link(client_for, admin_user, make_letter,
                                                                      monkeypatch):
    monkeypatch.setattr(help, "CONCERN_CHOICES_PER_KIND", 1)
    old, recent = make_letter(admin_user, reference="A"), make_letter(admin_user, reference="B")
    client = client_for(admin_user)
    form = client.get(f"/aide/demande/?concerne=termination_letter:{old.pk}").content.decode()
    assert re.search(rf'<option value="termination_letter:{old.pk}" selected>', form)
    assert f'value="termination_letter:{recent.pk}"' in form
    client.post("/aide/demande/", {"subject": "resiliation", "message": "Ancienne lettre",
                                   "concern": f"termination_letter:{old.pk}"})
    assert HelpRequest.objects.get().concern_id == old.pk


def test_a_forged_reference_is_refused_next_to_its_field(client_for, other_admin, admin_user, make_letter):
    letter = make_letter(admin_user)
    response = client_for(other_admin).post("/aide/demande/", {"subject": "resiliation", "message": "x",
                                                               "concern": f"termination_letter:{letter.pk}"})
    assert 'id="id_concern-error">Cet élément n&#x27;existe pas ou ne vous est pas accessible.' in response.content.decode()
    assert not HelpRequest.objects.exists()
