"""Help requests (SPEC §7): dossier n°, statuses, conversation, attachments, e-mails, who may act."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from portal import help
from portal.errors import ApplicationError, PermissionDeniedError
from portal.help_selectors import help_conversation
from portal.models import (
    FILE_NUMBER_MAX,
    FILE_NUMBER_MIN,
    HelpAttachment,
    HelpMessage,
    HelpMessageKind,
    HelpRequest,
    HelpStatus,
    HelpSubject,
    OutboxMessage,
    Role,
    StoredDocument,
)
from portal.services import user_create
from tests.conftest import PASSWORD
from tests.portal import help_data

pytestmark = pytest.mark.django_db


def new_request(user, **overrides) -> HelpRequest:
    data = {"subject": HelpSubject.ACCOUNT, "message": "Merci de corriger notre adresse.", **overrides}
    return help.help_request_create(by=user, **data)


def nothing_written() -> bool:
    return not (HelpRequest.objects.exists() or HelpMessage.objects.exists() or StoredDocument.objects.exists())


# ------------------------------------------------------------------------ the dossier n°


def test_a_request_gets_a_seven_digit_dossier_number_and_is_received(admin_user):
    help_request = new_request(admin_user, title="  Changement   d'adresse ", attachments=[help_data.pdf()])
    assert FILE_NUMBER_MIN <= help_request.file_number <= FILE_NUMBER_MAX
    assert len(str(help_request.file_number)) == 7
    assert help_request.status == HelpStatus.RECEIVED
    assert help_request.organisation_id == admin_user.organisation_id
    assert help_request.title == "Changement d'adresse"
    [message] = help_conversation(help_request=help_request)
    assert (message.kind, message.author, message.body) == (HelpMessageKind.USER, admin_user,
                                                            "Merci de corriger notre adresse.")
    [attachment] = message.attachments.all()
    assert attachment.document.content_type == "application/pdf"
    assert attachment.document.original_name == "justificatif.pdf"


def test_a_number_already_given_is_drawn_again(admin_user, monkeypatch):
    first = new_request(admin_user)
    draws = iter([first.file_number, first.file_number, 7654321])
    monkeypatch.setattr(help, "_file_number_candidate", lambda: next(draws))
    second = new_request(admin_user)
    assert second.file_number == 7654321
    assert HelpRequest.objects.get(pk=first.pk).file_number == first.file_number
    assert HelpRequest.objects.count() == 2


def test_when_no_number_can_be_found_nothing_is_written(admin_user, monkeypatch):
    taken = new_request(admin_user).file_number
    monkeypatch.setattr(help, "_file_number_candidate", lambda: taken)
    with pytest.raises(ApplicationError, match="Aucun numéro de dossier libre"):
        new_request(admin_user, message="Deuxième demande")
    assert HelpRequest.objects.count() == 1
    assert not HelpMessage.objects.filter(body="Deuxième demande").exists()


def test_the_database_keeps_dossier_numbers_unique_and_of_seven_digits(admin_user):
    existing = new_request(admin_user)
    fields = {"organisation": admin_user.organisation, "requester": admin_user, "subject": HelpSubject.OTHER,
              "created_at": existing.created_at, "last_activity_at": existing.created_at}
    with pytest.raises(IntegrityError), transaction.atomic():
        HelpRequest.objects.create(file_number=existing.file_number, **fields)
    for number in (FILE_NUMBER_MIN - 1, FILE_NUMBER_MAX + 1):
        with pytest.raises(IntegrityError), transaction.atomic():
            HelpRequest.objects.create(file_number=number, **fields)


def test_the_candidates_are_seven_digit_numbers():
    numbers = {help._file_number_candidate() for _ in range(2000)}
    assert all(FILE_NUMBER_MIN <= number <= FILE_NUMBER_MAX for number in numbers)
    assert len(numbers) > 1900  # drawn, not counted


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"subject": "impots"}, "subject", "Choisissez l'objet"),
    ({"subject": ""}, "subject", "Choisissez l'objet"),
    ({"message": "   "}, "message", "Écrivez votre message"),
    ({"message": "x" * 5001}, "message", "dépasse 5000 caractères"),
    ({"title": "x" * 121}, "title", "Au plus 120"),
    ({"attachments": [help_data.lying_pdf()]}, "attachments", "« facture.pdf » : Ce fichier n'est pas d'un type accepté"),
    ({"attachments": [help_data.oversized()]}, "attachments", "dépasse la taille maximale de 10 Mo"),
    ({"attachments": [help_data.pdf(f"p{i}.pdf") for i in range(6)]}, "attachments", "Au plus 5 pièces jointes"),
    ({"concern": "inconnu:1"}, "concern", "Choisissez l'élément concerné"),
    ({"concern": "nimportequoi"}, "concern", "Choisissez l'élément concerné"),
])
def test_bad_input_is_refused_in_french_and_changes_nothing(admin_user, overrides, field, message):
    with pytest.raises(ApplicationError, match=message) as error:
        new_request(admin_user, **{"attachments": [help_data.pdf()], **overrides})
    assert error.value.field == field
    assert nothing_written()


def test_a_valid_file_after_a_lying_one_is_not_kept_either(admin_user):
    with pytest.raises(ApplicationError):
        new_request(admin_user, attachments=[help_data.pdf(), help_data.lying_pdf()])
    assert nothing_written()


def test_pdf_images_and_office_documents_are_accepted(admin_user):
    help_request = new_request(admin_user, attachments=[help_data.pdf(), help_data.png(), help_data.docx()])
    types = sorted(HelpAttachment.objects.filter(message__help_request=help_request)
                   .values_list("document__content_type", flat=True))
    assert types == ["application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     "image/png"]


@pytest.mark.parametrize("role", ["accounting_user", "system_user"])
def test_only_brokers_users_send_requests(request, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDeniedError):
        new_request(user)
    assert nothing_written()


def test_a_deactivated_user_sends_nothing(admin_user):
    admin_user.is_active = False
    with pytest.raises(PermissionDeniedError):
        new_request(admin_user)


# ------------------------------------------------------------------- the row concerned


@pytest.fixture
def member_kind(org, other_org, emission):
    """A kind of row registered as an app would: the members a user may see."""
    from portal.selectors import members_visible_to

    ours = emission(reference="EM-1", policy_number="P-1", member_number="M-1", company_name="NOTRE CLIENT",
                    broker=org).policy.member
    theirs = emission(reference="EM-2", policy_number="P-2", member_number="M-2", company_name="LEUR CLIENT",
                      broker=other_org).policy.member
    saved = dict(help.CONCERN_KINDS)
    help.concern_kind_register(kind="test_member", label="Sociétaire", rows=lambda user: members_visible_to(user=user),
                               row_label=lambda member: member.company_name)
    yield ours, theirs
    help.CONCERN_KINDS.clear()
    help.CONCERN_KINDS.update(saved)


def test_a_request_names_a_row_its_app_lets_the_user_see(admin_user, member_kind):
    ours, _ = member_kind
    help_request = new_request(admin_user, concern=f"test_member:{ours.pk}")
    assert (help_request.concern_kind, help_request.concern_id) == ("test_member", ours.pk)
    assert help_request.concern_label == "Sociétaire — NOTRE CLIENT"
    groups = dict(help.concern_choices(user=admin_user))
    assert groups["Sociétaire"] == [(f"test_member:{ours.pk}", "NOTRE CLIENT")]


def test_another_organisations_row_cannot_be_named(admin_user, member_kind):
    _, theirs = member_kind
    with pytest.raises(ApplicationError, match="n'existe pas ou ne vous est pas accessible"):
        new_request(admin_user, concern=f"test_member:{theirs.pk}")
    assert nothing_written()


def test_a_kind_name_with_a_colon_is_refused():
    with pytest.raises(ValueError):
        help.concern_kind_register(kind="a:b", label="x", rows=lambda user: None, row_label=str)


# ------------------------------------------------------------- answers, notes, replies


def test_an_answer_emails_the_requester_and_the_organisation_administrators(admin_user, collaborator,
                                                                              accounting_user, org):
    second_admin = user_create(email="admin2@un.test", password=PASSWORD, role=Role.ADMINISTRATOR, organisation=org)
    help_request = new_request(collaborator)
    answer = help.help_request_answer(help_request=help_request, by=accounting_user, status=HelpStatus.AWAITING_USER,
                                      message="Merci de nous envoyer votre extrait K-bis.",
                                      attachments=[help_data.pdf("modele.pdf")])
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.AWAITING_USER
    assert answer.status == HelpStatus.AWAITING_USER
    emails = OutboxMessage.objects.filter(key__startswith=f"help-answer:{answer.pk}:")
    assert sorted(emails.values_list("to", flat=True)) == sorted([collaborator.email, admin_user.email,
                                                                   second_admin.email])
    email = emails.get(to=collaborator.email)
    assert str(help_request.file_number) in email.subject
    assert "Merci de nous envoyer votre extrait K-bis." in email.body_text
    assert f"/aide/demandes/{help_request.file_number}/" in email.body_text
    assert "En attente de votre retour" in email.body_text


def test_an_answer_to_an_administrators_request_emails_them_once(admin_user, accounting_user):
    help_request = new_request(admin_user)
    answer = help.help_request_answer(help_request=help_request, by=accounting_user, status=HelpStatus.CLOSED,
                                      message="C'est fait.")
    assert list(OutboxMessage.objects.filter(key__startswith=f"help-answer:{answer.pk}:")
                .values_list("to", flat=True)) == [admin_user.email]


def test_an_internal_note_is_never_shown_nor_emailed(admin_user, accounting_user):
    help_request = new_request(admin_user)
    help.help_request_note(help_request=help_request, by=accounting_user, message="Client difficile, voir Paul.")
    assert [m.kind for m in help_conversation(help_request=help_request)] == [HelpMessageKind.USER]
    assert [m.kind for m in help_conversation(help_request=help_request, staff=True)] == [HelpMessageKind.USER,
                                                                                          HelpMessageKind.NOTE]
    assert not OutboxMessage.objects.exists()
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.RECEIVED


@pytest.mark.parametrize("status", [HelpStatus.AWAITING_USER, HelpStatus.CLOSED])
def test_a_users_reply_reopens_the_request(admin_user, accounting_user, status):
    help_request = new_request(admin_user)
    help.help_request_answer(help_request=help_request, by=accounting_user, status=status, message="Réponse.")
    reply = help.help_request_reply(help_request=help_request, by=admin_user, message="Voici le document.",
                                    attachments=[help_data.pdf("kbis.pdf")])
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.RECEIVED
    assert reply.status == HelpStatus.RECEIVED
    assert [a.document.original_name for a in reply.attachments.all()] == ["kbis.pdf"]


def test_a_reply_tells_the_assigned_clerk(admin_user, accounting_user):
    help_request = new_request(admin_user)
    help.help_request_assign(help_request=help_request, by=accounting_user, clerk=accounting_user)
    reply = help.help_request_reply(help_request=help_request, by=admin_user, message="Une précision.")
    email = OutboxMessage.objects.get(key=f"help-reply:{reply.pk}:{accounting_user.pk}")
    assert email.to == accounting_user.email
    assert "Une précision." in email.body_text
    assert f"/admin/portal/helprequest/{help_request.pk}/change/" in email.body_text


def test_a_collaborator_cannot_reply_to_a_colleagues_request_nor_another_organisation(admin_user, collaborator,
                                                                                       other_admin):
    help_request = new_request(admin_user)
    for intruder in (collaborator, other_admin):
        with pytest.raises(PermissionDeniedError):
            help.help_request_reply(help_request=help_request, by=intruder, message="Bonjour")
    assert HelpMessage.objects.filter(help_request=help_request).count() == 1


def test_an_administrator_may_reply_to_a_collaborators_request(admin_user, collaborator):
    help_request = new_request(collaborator)
    help.help_request_reply(help_request=help_request, by=admin_user, message="Je complète.")
    assert HelpMessage.objects.filter(help_request=help_request).count() == 2


def test_bad_replies_change_nothing(admin_user, accounting_user):
    help_request = new_request(admin_user)
    help.help_request_answer(help_request=help_request, by=accounting_user, status=HelpStatus.CLOSED, message="Fini.")
    for kwargs in ({"message": ""}, {"message": "ok", "attachments": [help_data.lying_pdf()]}):
        with pytest.raises(ApplicationError):
            help.help_request_reply(help_request=help_request, by=admin_user, **kwargs)
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.CLOSED
    assert HelpMessage.objects.filter(help_request=help_request).count() == 2


def test_staff_actions_are_for_staff(admin_user):
    help_request = new_request(admin_user)
    with pytest.raises(PermissionDeniedError):
        help.help_request_answer(help_request=help_request, by=admin_user, status=HelpStatus.CLOSED, message="x")
    with pytest.raises(PermissionDeniedError):
        help.help_request_note(help_request=help_request, by=admin_user, message="x")
    with pytest.raises(PermissionDeniedError):
        help.help_request_close(help_request=help_request, by=admin_user)
    with pytest.raises(PermissionDeniedError):
        help.help_request_assign(help_request=help_request, by=admin_user, clerk=admin_user)
    assert HelpMessage.objects.filter(help_request=help_request).count() == 1


def test_a_request_is_assigned_to_staff_only(admin_user, accounting_user):
    help_request = new_request(admin_user)
    with pytest.raises(ApplicationError, match="membre actif de l'équipe"):
        help.help_request_assign(help_request=help_request, by=accounting_user, clerk=admin_user)
    help.help_request_assign(help_request=help_request, by=accounting_user, clerk=accounting_user)
    help_request.refresh_from_db()
    assert help_request.assigned_to == accounting_user


def test_closing_twice_is_refused(admin_user, accounting_user):
    help_request = new_request(admin_user)
    help.help_request_close(help_request=help_request, by=accounting_user)
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.CLOSED
    with pytest.raises(ApplicationError, match="déjà au statut « Demande close »"):
        help.help_request_close(help_request=help_request, by=accounting_user)


def test_an_unknown_status_is_refused(admin_user, accounting_user):
    help_request = new_request(admin_user)
    with pytest.raises(ApplicationError, match="Choisissez un statut"):
        help.help_request_answer(help_request=help_request, by=accounting_user, status="done", message="x")
    assert not OutboxMessage.objects.exists()


def test_every_status_is_explained_to_the_user():
    assert set(help.STATUS_EXPLANATIONS) == set(HelpStatus)
    assert "justificatif" in help.STATUS_EXPLANATIONS[HelpStatus.AWAITING_USER]
