"""The daily run of the cycle amiable (SPEC §4): one pipeline, set-based, idempotent.

``amiable_tick(today=T)`` is what ``manage.py amiable_tick`` and the Celery beat job (06:00
Europe/Paris) call. Each step is one conditional UPDATE or one ``INSERT … SELECT … ON
CONFLICT DO NOTHING``, so:

* the number of queries does not depend on the number of cases (no query per row);
* a late run catches up: every selection is "due on or before T", never "due on T";
* running the same day twice, or two runs at once, issues nothing twice: a case is unique
  per premium call, a letter per case and kind, an event per case and key, a digest item per
  key — database constraints, not luck; conditional UPDATEs re-check their condition on the
  locked row, and each step's later writes take the cases its own statement moved, never
  those of another run;
* letters are only rows here, each with everything it says written by the statement that
  issues it; their PDFs are rendered from that row by Celery tasks after commit, never inside
  this transaction.

Dates come from ``amiable.rules``; this module only selects and writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from amiable import letters, rules
from amiable.models import Case, Event, EventType, ExtensionRequest, Letter, LetterKind, Stage
from portal import notifications
from portal.businessdays import BusinessCalendar
from portal.formatting import format_date
from portal.models import DigestItem, Member, Organisation, Payment, Policy, PolicyStatus, PremiumCall

CASE = Case._meta.db_table
EVENT = Event._meta.db_table
LETTER = Letter._meta.db_table
CALL = PremiumCall._meta.db_table
POLICY = Policy._meta.db_table
MEMBER = Member._meta.db_table
ORGANISATION = Organisation._meta.db_table
DIGEST = DigestItem._meta.db_table
PAYMENT = Payment._meta.db_table
EXTENSION = ExtensionRequest._meta.db_table

BROKERS, MEMBERS = DigestItem.FanOut.BROKER, DigestItem.FanOut.MEMBER


@dataclass
class TickReport:
    today: date
    business_day: bool
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.business_day:
            head = f"{format_date(self.today)} n'est pas un jour ouvré : seuls les paiements sont traités."
        else:
            head = f"Cycle amiable du {format_date(self.today)}."
        body = ", ".join(f"{name} : {count}" for name, count in self.counts.items())
        return f"{head} {body}"


def amiable_tick(*, today: date, calendar: BusinessCalendar) -> TickReport:
    """Run every step due on or before ``today``; safe to repeat and to run concurrently."""
    report = TickReport(today=today, business_day=calendar.is_business_day(today))
    now = timezone.now()
    with transaction.atomic():
        _batch_settings()
        report.counts.update(payments_settle(today=today, calendar=calendar, now=now))
        if report.business_day:
            report.counts["dossiers ouverts"] = _open_cases(today=today, calendar=calendar, now=now)
            report.counts["mises en demeure"] = _issue_formal_notices(today=today, calendar=calendar, now=now)
            report.counts["suspensions"] = _suspend(today=today, now=now)
            report.counts["résiliations"] = _terminate(today=today, now=now)
        letters_render_after_commit([])  # and the letters an earlier enqueue lost
    return report


# Letters per render task: ~40 s of WeasyPrint at 12 letters/s (90 s at 5.5/s), far below the
# task's time limit, and 100 messages for the 50 000 letters of a busy day (each message costs
# the run ~1.5 ms; a render is ~100 times that).
LETTERS_PER_TASK = 500
# A letter still without its PDF this long after it was issued lost its render message (the
# broker was down at commit, say): the next daily run queues it again. Long enough for a busy
# day's letters to be rendered first, so a letter waiting in the queue is not queued twice.
RENDER_LOST_AFTER = timedelta(hours=2)


def letters_render_after_commit(letter_ids: list[int]) -> None:
    """Once the transaction commits, queue the rendering of these letters, in batches.

    One enqueue per transaction: the run and the payments it settles add their letters to it.
    """
    for _, callback, _ in connection.run_on_commit:
        if isinstance(callback, partial) and callback.func is _letters_enqueue:
            callback.args[0].extend(letter_ids)
            return
    transaction.on_commit(partial(_letters_enqueue, list(letter_ids)))


def _letters_enqueue(letter_ids: list[int]) -> None:
    from amiable.tasks import letters_render_task

    lost = Letter.objects.filter(document__isnull=True, created_at__lt=timezone.now() - RENDER_LOST_AFTER)
    ids = sorted({*letter_ids, *lost.values_list("id", flat=True)})
    for start in range(0, len(ids), LETTERS_PER_TASK):
        letters_render_task.delay(ids[start : start + LETTERS_PER_TASK])


# ---------------------------------------------------------------------------------- steps


def _adapt(value):
    """Raw SQL gets the values the ORM would write (SQLite stores datetimes as naive UTC text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    if isinstance(value, StrEnum | models.TextChoices):
        return str(value.value)
    return value


def _execute(sql: str, params: list) -> int:
    # The statements of this module interpolate only table names and fixed SQL fragments;
    # every value goes through ``params``.
    with connection.cursor() as cursor:
        cursor.execute(sql, [_adapt(value) for value in params])
        return max(cursor.rowcount, 0)


def _returning(sql: str, params: list) -> list:
    """Run a write ending in ``RETURNING``: the rows it wrote, exactly (not those of another run)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [_adapt(value) for value in params])
        return cursor.fetchall()


def _batch_settings() -> None:
    """PostgreSQL settings for this transaction's few large statements:

    * JIT compilation costs more than it saves here (0.4 s on a 50 000-case day);
    * a busy day's sorts and hashes stay in memory;
    * a random read costs about a sequential one (SSD, tables in cache): the planner then
      reaches the thousands of cases a step moves through their indexes instead of hashing
      the whole premium call table (a quarter of the run on a 50 000-case day).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL random_page_cost = 1.1")


# ----------------------------------------------------------------------- the moved cases
#
# Each step moves cases with one statement and keeps what its writes need of them — of the
# cases that statement moved, and of no other — in a temporary table: every write of the
# step (events, letters, policies, news) is then one INSERT … SELECT from it, without
# looking the cases up again. On PostgreSQL the move fills the table itself (a data-modifying
# WITH); SQLite takes the ids from RETURNING and reads the cases back.

MOVED = "amiable_moved"
MOVED_COLUMNS = {
    "id": "bigint", "policy_id": "bigint", "broker_manages": "boolean", "stage": "varchar(20)",
    "reminder_date": "date", "formal_notice_date": "date", "suspension_date": "date",
    "termination_date": "date", "closed_on": "date", "due": "numeric", "due_date": "date",
    "call_reference": "varchar(40)", "call_amount": "numeric",
}
# Of a case ``c`` and its premium call ``pc``: the amount still due, and what the letters say
# of the premium call.
MOVED_VALUES = ", ".join(
    {"due": "pc.amount - pc.paid_amount", "due_date": "pc.due_date", "call_reference": "pc.reference",
     "call_amount": "pc.amount"}.get(column, f"c.{column}")
    for column in MOVED_COLUMNS
)


def _move(statement: str, params: list, *, inserts: bool = False) -> int:
    """Run ``statement`` — an ``UPDATE {CASE} AS c … FROM {CALL} AS pc``, or with ``inserts``
    an ``INSERT INTO {CASE}`` — and keep the cases it moved in ``MOVED``. Returns their number."""
    columns = ", ".join(f"{name} {kind}" for name, kind in MOVED_COLUMNS.items())
    postgresql = connection.vendor == "postgresql"
    _execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {MOVED} ({columns}){' ON COMMIT DROP' if postgresql else ''}",
             [])
    _execute(f"DELETE FROM {MOVED}", [])
    if postgresql and inserts:  # RETURNING sees the new case only: its premium call is joined
        return _execute(
            f"""WITH c AS ({statement} RETURNING *)
            INSERT INTO {MOVED} SELECT {MOVED_VALUES} FROM c JOIN {CALL} pc ON pc.id = c.premium_call_id""",
            params,
        )
    if postgresql:
        return _execute(f"WITH moved AS ({statement} RETURNING {MOVED_VALUES}) INSERT INTO {MOVED} SELECT * FROM moved",
                        params)
    ids = [case_id for case_id, in _returning(f"{statement} RETURNING id", params)]
    _execute(
        f"""INSERT INTO {MOVED} SELECT {MOVED_VALUES} FROM {CASE} c JOIN {CALL} pc ON pc.id = c.premium_call_id
        WHERE c.id IN (SELECT value FROM json_each(%s))""",
        [json.dumps(ids)],
    )
    return len(ids)


# ---------------------------------------------------------------------------------- steps


def _open_cases(*, today: date, calendar: BusinessCalendar, now) -> int:
    """Premium calls in default with money still due get a case and a reminder dated today."""
    latest_due = rules.latest_due_date_in_default(today=today, calendar=calendar)
    window_end = rules.response_deadline(reminder_date=today, calendar=calendar)
    planned = rules.formal_notice_date(window_end=window_end, calendar=calendar)
    opened = _move(
        f"""
        INSERT INTO {CASE} (premium_call_id, policy_id, broker_manages, stage, opened_on, reminder_date,
                            response_deadline, answer, formal_notice_planned, manual_follow_up,
                            manual_follow_up_note, created_at, updated_at)
        SELECT pc.id, pc.policy_id, p.broker_manages, %s, %s, %s, %s, '', %s, %s, '', %s, %s
        FROM {CALL} pc JOIN {POLICY} p ON p.id = pc.policy_id
        WHERE pc.due_date <= %s AND pc.amount > pc.paid_amount AND p.status <> %s
          AND NOT EXISTS (SELECT 1 FROM {CASE} c WHERE c.premium_call_id = pc.id)
        ON CONFLICT (premium_call_id) DO NOTHING
        """,
        [Stage.OPEN, today, today, window_end, planned, False, now, now, latest_due, PolicyStatus.TERMINATED],
        inserts=True,
    )
    if opened:
        _events(EventType.AWAITING, date_sql="m.due_date", now=now)
        _events(EventType.REMINDER, date_sql="m.reminder_date", now=now)
        _letters(LetterKind.REMINDER, date_sql="m.reminder_date", now=now)
        # The managing broker's accounting contacts get the news (and an action to take);
        # otherwise the member's (seed 000, note ***).
        text = f"courrier de rappel du {format_date(today)}"
        _digest(text, to=[(BROKERS, "reminder_action", "m.broker_manages"),
                          (MEMBERS, "reminder", "NOT m.broker_manages")], today=today, now=now)
    return opened


def _issue_formal_notices(*, today: date, calendar: BusinessCalendar, now) -> int:
    issued = _advance(
        to=Stage.FORMAL_NOTICE,
        sets="formal_notice_date = %s, suspension_date = %s, termination_date = %s,",
        set_params=[
            today,
            rules.suspension_date(formal_notice_date=today, calendar=calendar),
            rules.termination_date(formal_notice_date=today, calendar=calendar),
        ],
        where=f"""c.stage = %s AND c.formal_notice_planned <= %s
              AND NOT EXISTS (SELECT 1 FROM {EXTENSION} e WHERE e.case_id = c.id AND e.status = %s)""",
        params=[Stage.OPEN, today, rules.Decision.PENDING],
        now=now,
    )
    if issued:
        _events(EventType.FORMAL_NOTICE, date_sql="m.formal_notice_date", now=now)
        _letters(LetterKind.FORMAL_NOTICE, date_sql="m.formal_notice_date", effective_sql="m.suspension_date",
                 now=now)
        text = f"mise en demeure envoyée au sociétaire le {format_date(today)}"
        _digest(text, to=[(BROKERS, "formal_notice", "TRUE"), (MEMBERS, "formal_notice", "NOT m.broker_manages")],
                today=today, now=now)
    return issued


def _advance(*, to: Stage, where: str, params: list, now, sets: str = "", set_params: list | None = None) -> int:
    """Move the selected cases whose premium is still due and not under manual follow-up to
    stage ``to`` (kept in ``MOVED``). One UPDATE … FROM joined to the premium call (the ORM's
    ``update`` across a relation adds a self-join on ``id IN (…)`` that costs a third more on
    50 000 rows)."""
    return _move(
        f"""
        UPDATE {CASE} AS c SET stage = %s, {sets} updated_at = %s
        FROM {CALL} AS pc
        WHERE pc.id = c.premium_call_id AND c.manual_follow_up = %s AND pc.amount > pc.paid_amount
          AND {where}
        """,
        [to, *(set_params or []), now, False, *params],
    )


def _suspend(*, today: date, now) -> int:
    return _enforce(
        to=Stage.SUSPENDED, after=Stage.FORMAL_NOTICE, date_column="suspension_date",
        event=EventType.SUSPENSION, letter=LetterKind.SUSPENSION,
        policy_status=PolicyStatus.SUSPENDED, policy_from=[PolicyStatus.ACTIVE],
        digest=("suspension", f"garanties suspendues (courrier du {format_date(today)})"), today=today, now=now,
    )


def _terminate(*, today: date, now) -> int:
    return _enforce(
        to=Stage.TERMINATED, after=Stage.SUSPENDED, date_column="termination_date",
        event=EventType.TERMINATION, letter=LetterKind.TERMINATION,
        policy_status=PolicyStatus.TERMINATED, policy_from=[PolicyStatus.ACTIVE, PolicyStatus.SUSPENDED],
        digest=("termination", "police résiliée pour non-paiement, dossier transmis au contentieux"),
        today=today, now=now,
    )


def _enforce(*, to: Stage, after: Stage, date_column: str, event: EventType, letter: LetterKind,
             policy_status: PolicyStatus, policy_from: list[PolicyStatus], digest: tuple[str, str],
             today: date, now) -> int:
    """A legal step of art. L113-3 (suspension, termination) for the cases whose date has come:
    the stage, the event dated by the rules, the letter dated today, the policy's status (never
    made less severe) and the broker's news."""
    moved = _advance(to=to, where=f"c.stage = %s AND c.{date_column} <= %s", params=[after, today], now=now)
    if moved:
        _events(event, date_sql=f"m.{date_column}", now=now)
        _letters(letter, date_sql="%s", date_params=[today], effective_sql=f"m.{date_column}", now=now)
        _policies_set(status=policy_status, where=f"p.status IN ({', '.join(['%s'] * len(policy_from))})",
                      params=policy_from, now=now)
        kind, text = digest
        _digest(text, to=[(BROKERS, kind, "TRUE")], today=today, now=now)
    return moved


def payments_settle(*, today: date, calendar: BusinessCalendar | None = None, now=None) -> dict[str, int]:
    """Apply payments to open cases (any day, also every few minutes by Celery beat):

    * every payment on a case's premium call is an event of its history;
    * paid in full before the formal notice: the case closes, "Cotisation à jour";
    * after the formal notice and before the termination date: reinstatement letter, the cover
      resumes at noon the day after the payment (L113-3), the policy is active again;
    * on or after the termination date: no reinstatement, the debt is settled.
    """
    now = now or timezone.now()
    counts = {"dossiers soldés": 0, "remises en vigueur": 0, "dettes soldées": 0}
    with transaction.atomic():
        _batch_settings()
        _execute(
            f"""
            INSERT INTO {EVENT} (case_id, type, key, date, detail, amount, created_at)
            SELECT c.id, %s, 'payment:' || pay.id, pay.paid_on, '', pay.amount, %s
            FROM {PAYMENT} pay JOIN {CASE} c ON c.premium_call_id = pay.premium_call_id
            WHERE c.stage IN (%s, %s, %s, %s)
            ON CONFLICT (case_id, key) DO NOTHING
            """,
            [EventType.PAYMENT, now, Stage.OPEN, Stage.FORMAL_NOTICE, Stage.SUSPENDED, Stage.TERMINATED],
        )
        # One UPDATE for the three outcomes; the date of the last payment closes the case.
        last_paid = f"(SELECT MAX(pay.paid_on) FROM {PAYMENT} pay WHERE pay.premium_call_id = c.premium_call_id)"
        settled = _move(
            f"""
            UPDATE {CASE} AS c
            SET stage = CASE WHEN c.stage = %s THEN %s WHEN c.termination_date > {last_paid} THEN %s ELSE %s END,
                closed_on = {last_paid}, updated_at = %s
            FROM {CALL} AS pc
            WHERE pc.id = c.premium_call_id AND pc.paid_amount >= pc.amount
              AND (c.stage IN (%s, %s) OR (c.stage IN (%s, %s) AND c.termination_date > {last_paid}))
            """,
            [Stage.OPEN, Stage.CLOSED, Stage.REINSTATED, Stage.SETTLED, now,
             Stage.OPEN, Stage.TERMINATED, Stage.FORMAL_NOTICE, Stage.SUSPENDED],
        )
        if settled:
            for stage, event, label in ((Stage.CLOSED, EventType.PAID, "dossiers soldés"),
                                        (Stage.REINSTATED, EventType.REINSTATEMENT, "remises en vigueur"),
                                        (Stage.SETTLED, EventType.SETTLED, "dettes soldées")):
                counts[label] = _events(event, date_sql="m.closed_on", where=("m.stage = %s", [stage]), now=now)
            reinstated = ("m.stage = %s", [Stage.REINSTATED])
            _letters(LetterKind.REINSTATEMENT, date_sql="%s", date_params=[today], effective_sql="m.closed_on",
                     amount_sql="0", where=reinstated, now=now)
            # Active again, unless another case of the policy keeps it suspended or terminated.
            _policies_set(
                status=PolicyStatus.ACTIVE, moved=reinstated, now=now,
                where=f"""p.status <> %s AND NOT EXISTS (
                    SELECT 1 FROM {CASE} other WHERE other.policy_id = p.id AND other.stage IN (%s, %s))""",
                params=[PolicyStatus.ACTIVE, Stage.SUSPENDED, Stage.TERMINATED],
            )
            _digest(f"courrier de remise en vigueur du {format_date(today)}",
                    to=[(BROKERS, "reinstatement_action", "TRUE")], where=reinstated, today=today, now=now)
    return counts


# ------------------------------------------------------------- set-based writes from MOVED


def _where(where: str | tuple[str, list]) -> tuple[str, list]:
    """A condition on the moved case ``m``: SQL, or SQL and its parameters."""
    return where if isinstance(where, tuple) else (where, [])


def _events(kind: EventType, *, date_sql: str, now, where: str | tuple[str, list] = "TRUE") -> int:
    """One event of ``kind`` per moved case (those matching ``where``)."""
    where_sql, where_params = _where(where)
    return _execute(
        f"""
        INSERT INTO {EVENT} (case_id, type, key, date, detail, created_at)
        SELECT m.id, %s, %s, {date_sql}, '', %s FROM {MOVED} m WHERE {where_sql}
        ON CONFLICT (case_id, key) DO NOTHING
        """,
        [kind.value, kind.value, now, *where_params],
    )


def _letter_content(kind: LetterKind) -> tuple[list[str], list[str], list]:
    """What a letter of ``kind`` says besides its figures — the columns of ``Letter`` that the
    renderer (``amiable.letters``) reads —: their names, their SQL from the moved case ``m``,
    its policy ``p``, member ``mb`` and broker ``o`` (or NULL) and the insurer's settings of the
    day, and the parameters of that SQL."""
    newline = "chr(10)" if connection.vendor == "postgresql" else "char(10)"

    def address(alias: str) -> str:
        """One line per line: street, complement (each when given), postal code and city."""
        return (f"COALESCE(NULLIF({alias}.address_line1, '') || {newline}, '') "
                f"|| COALESCE(NULLIF({alias}.address_line2, '') || {newline}, '') "
                f"|| TRIM({alias}.postal_code || ' ' || {alias}.city)")

    content = {
        "insurer_name": "%s", "insurer_address": "%s",
        "member_number": "mb.member_number", "member_name": "mb.company_name", "member_address": address("mb"),
        "policy_number": "p.number",
        "premium_call_reference": "m.call_reference", "premium_call_due_date": "m.due_date",
        "premium_call_amount": "m.call_amount",
        "broker_manages": "m.broker_manages", "reminder_date": "m.reminder_date",
        "formal_notice_date": "m.formal_notice_date", "suspension_date": "m.suspension_date",
        "termination_date": "m.termination_date",
        "broker_orias": "COALESCE(o.orias, '')", "broker_name": "COALESCE(o.name, '')",
        "broker_signature_name": "COALESCE(NULLIF(o.trade_name, ''), o.name, '')",
        "broker_address": f"COALESCE({address('o')}, '')",
        "recovery_indemnity": "CAST(%s AS NUMERIC)",
    }
    indemnity = letters.recovery_indemnity() if kind == LetterKind.TERMINATION else None
    params = [settings.PORTAL_INSURER_NAME, "\n".join(settings.PORTAL_INSURER_ADDRESS), indemnity]
    return list(content), list(content.values()), params


def _letters(kind: LetterKind, *, date_sql: str, now, date_params: list | None = None,
             effective_sql: str = "NULL", amount_sql: str = "m.due",
             where: str | tuple[str, list] = "TRUE") -> int:
    """Issue one letter of ``kind`` per moved case, everything it says frozen at issue — its
    figures, and the rest of its content (``_letter_content``) in the same statement —; its
    PDF is rendered from that row once the transaction commits."""
    where_sql, where_params = _where(where)
    columns, values, content_params = _letter_content(kind)
    issued = [
        letter_id
        for letter_id, in _returning(
            f"""
            INSERT INTO {LETTER} (case_id, kind, letter_date, amount_due, effective_date, created_at,
                                  {", ".join(columns)})
            SELECT m.id, %s, {date_sql}, {amount_sql}, {effective_sql}, %s, {", ".join(values)}
            FROM {MOVED} m JOIN {POLICY} p ON p.id = m.policy_id JOIN {MEMBER} mb ON mb.id = p.member_id
                LEFT JOIN {ORGANISATION} o ON o.id = p.broker_id
            WHERE {where_sql}
            ON CONFLICT (case_id, kind) DO NOTHING
            RETURNING id
            """,
            [kind.value, *(date_params or []), now, *content_params, *where_params],
        )
    ]
    letters_render_after_commit(issued)
    return len(issued)


def _policies_set(*, status: PolicyStatus, where: str, params: list, now,
                  moved: str | tuple[str, list] = "TRUE") -> int:
    """The status of the policies of the moved cases, where ``where`` holds."""
    moved_sql, moved_params = _where(moved)
    return _execute(
        f"""
        UPDATE {POLICY} AS p SET status = %s, updated_at = %s
        WHERE {where} AND p.id IN (SELECT m.policy_id FROM {MOVED} m WHERE {moved_sql})
        """,
        [status, now, *params, *moved_params],
    )


def _cases_link() -> str:
    """Each policy's line of a digest links to its cases on « Gérer le cycle amiable »."""
    return f"{reverse('amiable:cases')}?police={notifications.POLICY_NUMBER}"


def _digest(text: str, *, to: list[tuple[DigestItem.FanOut, str, str]], today: date, now,
            where: str | tuple[str, list] = "TRUE") -> int:
    """The news of the moved cases for the day's digests: for each ``(party, kind, condition)``
    of ``to``, one row listing the policies of the cases matching ``condition``, for each
    policy's broker organisation or member (``DigestItem.fan_out``) — the parties, their
    accounting contacts and the lines are found when the digest goes out.

    The key names the step, the party and the first of the cases: each case takes a step once,
    so two runs never announce the same case twice.
    """
    policies = "jsonb_agg(m.policy_id)" if connection.vendor == "postgresql" else "json_group_array(m.policy_id)"
    where_sql, where_params = _where(where)
    written = 0
    for party, kind, condition in to:
        audience = "partner" if party == BROKERS else "member"
        written += _execute(
            f"""
            INSERT INTO {DIGEST} (key, recipient, audience, kind, text, link, fan_out, policies, business_date,
                                  created_at)
            SELECT 'amiable:' || %s || ':' || %s || ':' || news.first_case, '', %s, %s, %s, %s, %s, news.policies, %s, %s
            FROM (SELECT MIN(m.id) AS first_case, {policies} AS policies
                  FROM {MOVED} m WHERE {where_sql} AND {condition}) AS news
            WHERE news.first_case IS NOT NULL
            ON CONFLICT (key) DO NOTHING
            """,
            [kind.removesuffix("_action"), party, audience, f"amiable_{kind}", text,
             _cases_link() if party == BROKERS else "", party, today, now, *where_params],
        )
    return written
