"""Migration 0008: one membership per existing broker's user (its organisation and role), every
existing account activated, delegation profiles moved to memberships — and back."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
BEFORE = [("portal", "0007_help_requests_faq_pages")]
AFTER = [("portal", "0008_accounts_memberships")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to the latest schema


def test_existing_users_get_their_membership_and_profiles_move_to_it(old_apps):
    Organisation = old_apps.get_model("portal", "Organisation")
    User = old_apps.get_model("portal", "User")
    Profile = old_apps.get_model("portal", "DelegationProfile")
    org = Organisation.objects.create(orias="07000001", name="Cabinet Un")
    admin = User.objects.create(email="admin@un.test", role="administrator", organisation=org)
    collab = User.objects.create(email="collab@un.test", role="collaborator", organisation=org)
    clerk = User.objects.create(email="compta@auxiliaire.test", role="accounting", is_staff=True)
    profile = Profile.objects.create(organisation=org, name="Isère", area_amiable=True)
    profile.collaborators.set([collab])

    apps = migrate(AFTER)
    Membership = apps.get_model("portal", "Membership")
    User = apps.get_model("portal", "User")
    assert set(Membership.objects.values_list("user__email", "organisation_id", "role", "is_active")) == {
        ("admin@un.test", org.id, "administrator", True), ("collab@un.test", org.id, "collaborator", True)}
    assert not Membership.objects.filter(user_id=clerk.id).exists()
    assert list(apps.get_model("portal", "DelegationProfile").objects.get(pk=profile.pk)
                .collaborators.values_list("user_id", flat=True)) == [collab.id]
    assert not User.objects.filter(activated_at__isnull=True).exists()  # existing accounts keep logging in
    # The last administrator is guarded by the database from now on.
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(user_id=admin.id).update(is_active=False)

    apps = migrate(BEFORE)
    back = apps.get_model("portal", "DelegationProfile").objects.get(pk=profile.pk)
    assert list(back.collaborators.values_list("id", flat=True)) == [collab.id]
