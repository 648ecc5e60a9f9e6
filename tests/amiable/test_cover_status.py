"""``amiable.selectors.policy_cover_status``: what other apps ask the cycle amiable before they
certify a policy (certificates)."""

from datetime import date

import pytest

from amiable.models import Case, Stage
from amiable.selectors import Cover, policy_cover_status
from tests.amiable.conftest import CAL

pytestmark = pytest.mark.django_db
NOTICE = date(2026, 2, 20)
SUSPENSION = date(2026, 3, 23)
TERMINATION = date(2026, 4, 1)


def test_many_policies_in_one_query(make_case, tick, org, django_assert_num_queries):
    first = make_case()
    second = make_case(reference="EM-2", policy_number="P-2", member_number="M-2")
    quiet = make_case(reference="EM-3", policy_number="P-3", member_number="M-3")
    Case.objects.filter(id=quiet.id).update(stage=Stage.CLOSED)  # paid in full before its notice
    tick(NOTICE)
    with django_assert_num_queries(1):
        covers = policy_cover_status(policy_ids=[first.policy_id, second.policy_id, quiet.policy_id, 999_999],
                                     today=SUSPENSION)
    assert [covers[case.policy_id].cover for case in (first, second, quiet)] == [
        Cover.SUSPENDED, Cover.SUSPENDED, Cover.IN_FORCE]
    assert covers[999_999].in_force
    assert covers[first.policy_id].since == SUSPENSION and "mise en demeure du 20/02/2026" in \
        covers[first.policy_id].reason


def test_terminated_wins_over_suspended(make_case, tick, emission, org):
    case = make_case()
    tick(NOTICE)
    tick(TERMINATION)
    # A later premium of the same policy, in formal notice too.
    emission(reference="EM-2", policy_number="P-1", member_number="M-1", broker=org, due_date=date(2026, 3, 2))
    assert Case.objects.get(id=case.id).stage == Stage.TERMINATED
    cover = policy_cover_status(policy_ids=[case.policy_id], today=CAL.add_business_days(TERMINATION, 1))
    assert cover[case.policy_id].cover == Cover.TERMINATED and cover[case.policy_id].since == TERMINATION


def test_before_the_suspension_date_the_cover_holds(make_case, tick):
    case = make_case()
    tick(NOTICE)
    assert policy_cover_status(policy_ids=[case.policy_id], today=date(2026, 3, 22))[case.policy_id].in_force


def test_a_running_formal_notice_says_when_the_cover_will_be_suspended(make_case, tick, pay):
    case = make_case()
    tick(NOTICE)
    cover = policy_cover_status(policy_ids=[case.policy_id], today=date(2026, 3, 2))[case.policy_id]
    assert cover.in_force and cover.suspension_planned == SUSPENSION
    pay(case, "1000.00", date(2026, 3, 3))  # paid: no suspension to come
    assert policy_cover_status(policy_ids=[case.policy_id], today=date(2026, 3, 3))[case.policy_id] \
        .suspension_planned is None
