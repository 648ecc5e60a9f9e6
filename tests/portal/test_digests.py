"""Daily digests (SPEC §4): one e-mail per recipient and business date gathering all news."""

from datetime import date

import pytest
from django.core import mail

from portal import notifications
from portal.models import DigestItem, OutboxMessage

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 3, 2)
TUESDAY = date(2026, 3, 3)


def news(key: str, recipient: str, text: str, day: date = MONDAY, kind: str = "reminder", link: str = ""):
    return notifications.DigestNews(key=key, recipient=recipient, kind=kind, text=text, business_date=day, link=link)


def send_outbox() -> None:
    for message_id in notifications.outbox_due_ids():
        notifications.outbox_send(message_id=message_id)


def test_one_email_per_recipient_gathers_all_their_news():
    added = notifications.digest_items_add(news=[
        news("a1", "Cabinet@Exemple.fr", "Police 0100001 : rappel envoyé", link="/amiable/1/"),
        news("a2", "cabinet@exemple.fr", "Police 0100002 : rappel envoyé"),
        news("a3", "cabinet@exemple.fr", "Police 0100003 : demande de prolongation à valider", kind="extension_action"),
        news("b1", "autre@exemple.fr", "Police 0200001 : rappel envoyé"),
    ])
    assert added == 4
    assert notifications.digests_send(business_date=MONDAY) == 2
    send_outbox()
    by_recipient = {email.to[0]: email for email in mail.outbox}
    assert set(by_recipient) == {"cabinet@exemple.fr", "autre@exemple.fr"}
    cabinet = by_recipient["cabinet@exemple.fr"]
    assert cabinet.subject == "L'Auxiliaire — une action de votre part est en attente"
    for number in ("0100001", "0100002", "0100003"):
        assert f"Police {number}" in cabinet.body
    assert "3 de vos contrats en gestion sont en attente de paiement" in cabinet.body
    assert "http://localhost:8000/amiable/1/" in cabinet.alternatives[0][0]
    other = by_recipient["autre@exemple.fr"]
    assert other.subject == "L'Auxiliaire — contrats en attente de paiement"
    assert "l'un de vos contrats en gestion est en attente" in other.body
    assert not DigestItem.objects.filter(digested_on__isnull=True).exists()


def test_running_twice_sends_nothing_twice():
    notifications.digest_items_add(news=[news("a1", "cabinet@exemple.fr", "Police 0100001")])
    assert notifications.digests_send(business_date=MONDAY) == 1
    assert notifications.digests_send(business_date=MONDAY) == 0
    assert notifications.digest_items_add(news=[news("a1", "cabinet@exemple.fr", "Police 0100001")]) == 0
    assert notifications.digests_send(business_date=MONDAY) == 0
    send_outbox()
    send_outbox()
    assert len(mail.outbox) == 1 and OutboxMessage.objects.count() == 1


def test_news_after_the_days_digest_goes_into_the_next_days_digest():
    notifications.digest_items_add(news=[news("a1", "cabinet@exemple.fr", "Police 0100001 : rappel")])
    notifications.digests_send(business_date=MONDAY)
    notifications.digest_items_add(news=[news("a2", "cabinet@exemple.fr", "Police 0100002 : mise en demeure")])
    assert notifications.digests_send(business_date=MONDAY) == 0  # already had Monday's digest
    assert notifications.digests_send(business_date=TUESDAY) == 1
    send_outbox()
    monday, tuesday = sorted(mail.outbox, key=lambda email: "0100002" in email.body)
    assert "0100001" in monday.body and "0100002" not in monday.body
    assert "0100002" in tuesday.body and "0100001" not in tuesday.body


def test_news_of_a_later_business_date_waits_for_that_date():
    notifications.digest_items_add(news=[news("a1", "cabinet@exemple.fr", "Police 0100001", day=TUESDAY)])
    assert notifications.digests_send(business_date=MONDAY) == 0
    assert notifications.digests_send(business_date=TUESDAY) == 1


def test_member_digest_speaks_to_the_member():
    notifications.digest_items_add(news=[notifications.DigestNews(
        key="m1", recipient="compta@client.fr", kind="reminder", text="Cotisation du 02/02/2026 : 1 000,00 €",
        business_date=MONDAY, audience="member")])
    notifications.digests_send(business_date=MONDAY)
    send_outbox()
    [email] = mail.outbox
    assert email.subject == "L'Auxiliaire — votre cotisation"
    assert email.body.startswith("Madame, Monsieur,")
    assert "l'une de vos cotisations est en attente de paiement" in email.body


def test_news_for_a_party_goes_to_its_accounting_contacts(org):
    from portal import services

    services.contact_add(organisation=org, email="compta@un.test", is_accounting=True)
    services.contact_add(organisation=org, email="commercial@un.test", is_accounting=False)
    notifications.digest_items_add(news=[notifications.DigestNews(
        key="o1", organisation_id=org.id, kind="reminder", text="Police 0100001", business_date=MONDAY)])
    assert notifications.digests_send(business_date=MONDAY) == 1
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["compta@un.test"]


def test_shared_news_waits_for_everyone_when_one_recipient_already_had_the_days_digest(org):
    from portal import services

    services.contact_add(organisation=org, email="a@un.test", is_accounting=True)
    notifications.digest_items_add(news=[news("x1", "a@un.test", "Police 0100001")])
    notifications.digests_send(business_date=MONDAY)
    services.contact_add(organisation=org, email="b@un.test", is_accounting=True)
    notifications.digest_items_add(news=[notifications.DigestNews(
        key="o2", organisation_id=org.id, kind="reminder", text="Police 0100002", business_date=MONDAY)])
    assert notifications.digests_send(business_date=MONDAY) == 0  # a@ already had Monday's digest
    assert notifications.digests_send(business_date=TUESDAY) == 2
    bodies = dict(OutboxMessage.objects.filter(key__endswith="2026-03-03").values_list("to", "body_text"))
    assert all("0100002" in body for body in bodies.values()) and set(bodies) == {"a@un.test", "b@un.test"}


def test_news_about_many_policies_tells_each_party_about_its_own_policies(org, other_org, emission, settings):
    """One row for a whole step (the daily run's): each policy's broker, or member, gets the
    lines of its own policies, with its own contacts; a policy without broker tells no broker."""
    from portal import services

    services.contact_add(organisation=org, email="compta@un.test", is_accounting=True)
    services.contact_add(organisation=org, email="commercial@un.test", is_accounting=False)
    services.contact_add(organisation=other_org, email="compta@deux.test", is_accounting=True)
    one = emission(reference="E-1", policy_number="P-B", member_number="M-1", company_name="BETA", broker=org).policy
    two = emission(reference="E-2", policy_number="P-A", member_number="M-2", company_name="ALPHA", broker=org).policy
    three = emission(reference="E-3", policy_number="P-C", member_number="M-3", broker=other_org).policy
    alone = emission(reference="E-4", policy_number="P-D", member_number="M-4", company_name="SEULE").policy
    services.contact_add(member=alone.member, email="compta@seule.test", is_accounting=True)
    DigestItem.objects.create(key="step:o", fan_out="broker", audience="partner", kind="amiable_formal_notice",
                              text="mise en demeure envoyée", link=f"/amiable/?police={notifications.POLICY_NUMBER}",
                              business_date=MONDAY,
                              policies=[one.id, two.id, three.id, alone.id])
    DigestItem.objects.create(key="step:m", fan_out="member", audience="member", kind="amiable_formal_notice",
                              text="mise en demeure envoyée", business_date=MONDAY, policies=[alone.id])

    assert notifications.digests_send(business_date=MONDAY) == 3
    bodies = dict(OutboxMessage.objects.values_list("to", "body_text"))
    assert set(bodies) == {"compta@un.test", "compta@deux.test", "compta@seule.test"}
    first = bodies["compta@un.test"]
    assert "2 de vos contrats en gestion sont en attente de paiement" in first
    assert "P-C" not in first and "P-D" not in first
    assert first.index("- Police P-A — ALPHA (sociétaire M-2) : mise en demeure envoyée") < first.index(
        "- Police P-B — BETA (sociétaire M-1) : mise en demeure envoyée")
    assert "P-C" in bodies["compta@deux.test"] and "P-A" not in bodies["compta@deux.test"]
    assert bodies["compta@seule.test"].startswith("Madame, Monsieur,") and "Police P-D — SEULE" in bodies[
        "compta@seule.test"]
    html = OutboxMessage.objects.get(to="compta@un.test").body_html
    assert f'href="{settings.PORTAL_BASE_URL}/amiable/?police=P-A"' in html
    assert not DigestItem.objects.filter(digested_on__isnull=True).exists()


def test_the_number_of_queries_of_the_digest_does_not_grow_with_its_recipients(org, emission, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal import services

    def queries_for(count: int, day: date) -> int:
        policies = []
        for index in range(count):
            policy = emission(reference=f"E-{day}-{index}", policy_number=f"P-{day}-{index}",
                              member_number=f"M-{day}-{index}").policy
            services.contact_add(member=policy.member, email=f"compta{index}@m-{day}.test", is_accounting=True)
            policies.append(policy.id)
        DigestItem.objects.create(key=f"step:{day}", fan_out="member", audience="member", kind="amiable_reminder",
                                  text="courrier de rappel", business_date=day, policies=policies)
        with CaptureQueriesContext(connection) as queries:
            assert notifications.digests_send(business_date=day) == count
        return len(queries)

    assert queries_for(3, MONDAY) == queries_for(30, TUESDAY)
