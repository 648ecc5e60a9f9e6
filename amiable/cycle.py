"""The daily run of the cycle amiable (SPEC §4): one pipeline, set-based, idempotent.

``amiable_tick(today=T)`` is what ``manage.py amiable_tick`` and the Celery beat job (06:00
Europe/Paris) call. The moves of a case are declared below as data — ``OPENING``,
``DATE_MOVES`` and ``PAYMENT_MOVES``, one row per move of SPEC §4's table: from, to, date
rule, event, letter, policy status, news — and one engine applies them. Each move is one
conditional UPDATE (or, to open cases, one ``INSERT … SELECT``) and its writes are each one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` from the cases it moved, so:

* the number of queries does not depend on the number of cases (no query per row);
* a late run catches up: every selection is "due on or before T", never "due on T";
* running the same day twice, or two runs at once, issues nothing twice: a case is unique
  per premium call, a letter per case and kind, an event per case and key, a digest item per
  key — database constraints, not luck; conditional UPDATEs re-check their condition on the
  locked row, and each move's later writes take the cases its own statement moved, never
  those of another run;
* letters are only rows here, each with everything it says written by the statement that
  issues it; their PDFs are rendered from that row by Celery tasks after commit, never inside
  this transaction;
* the statement that moves a case also writes what "Gérer le cycle amiable" sorts it by
  (``letter_date``, ``letter_unread``: see ``Case``).

Dates come from ``amiable.rules``; this module only selects and writes. Its SQL takes named
parameters (``%(name)s``) and quotes every identifier it interpolates with the connection's
``quote_name``; values never enter the text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

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
from portal.transactions import IdsOnCommit

BROKERS, MEMBERS = DigestItem.FanOut.BROKER, DigestItem.FanOut.MEMBER


def _name(identifier: str) -> str:
    return connection.ops.quote_name(identifier)


# The tables, quoted: the only identifiers the statements below interpolate, with the moved
# cases' columns named in the pipeline (``_column``).
CASE, EVENT, LETTER, CALL, POLICY, MEMBER, ORGANISATION, DIGEST, PAYMENT, EXTENSION = (
    _name(model._meta.db_table)
    for model in (Case, Event, Letter, PremiumCall, Policy, Member, Organisation, DigestItem, Payment,
                  ExtensionRequest)
)
MOVED = _name("amiable_moved")


# ------------------------------------------------------------------------------ SQL pieces


@dataclass(frozen=True)
class Sql:
    """A piece of SQL and the values of its named parameters (``%(name)s``)."""

    text: str
    params: Mapping[str, object] = field(default_factory=dict)


TRUE = Sql("TRUE")


def _column(alias: str, column: str) -> str:
    return f"{alias}.{_name(column)}"


def _values_in(column: str, values, *, prefix: str) -> Sql:
    """``column IN (…)`` with one named parameter per value."""
    names = {f"{prefix}_{index}": value for index, value in enumerate(values)}
    return Sql(f"{column} IN ({', '.join(f'%({name})s' for name in names)})", names)


# ------------------------------------------------------------------------------- pipeline


@dataclass(frozen=True)
class News:
    """A line of the day's digests for the moved cases matching ``condition`` (on ``m``):
    for the policies' broker organisations or members (``party``)."""

    party: DigestItem.FanOut
    kind: str
    condition: Sql = TRUE


@dataclass(frozen=True)
class Move:
    """One row of SPEC §4's timeline.

    ``source`` → ``target`` for the cases whose ``due`` date has come (date moves) or whose
    premium is paid in full and ``condition`` holds (payment moves); ``sets`` gives the dates
    the move writes (from the rules); then ``events`` (type, dated by a column of the moved
    case), ``letter`` (dated the run's day; effective date from a column), the policies'
    status (``policy_status``, from ``policy_from`` only: never less severe) and ``news``.
    """

    name: str
    source: tuple[Stage, ...]
    target: Stage
    events: tuple[tuple[EventType, str], ...]
    due: str | None = None
    condition: Sql = TRUE
    sets: Callable[[date, BusinessCalendar], dict[str, date]] | None = None
    letter: LetterKind | None = None
    letter_effective: str | None = None
    letter_amount: str = "m.due"
    policy_status: PolicyStatus | None = None
    policy_from: Sql = TRUE
    news: tuple[News, ...] = ()
    news_text: str = ""


def _formal_notice_dates(today: date, calendar: BusinessCalendar) -> dict[str, date]:
    return {
        "formal_notice_date": today,
        "suspension_date": rules.suspension_date(formal_notice_date=today, calendar=calendar),
        "termination_date": rules.termination_date(formal_notice_date=today, calendar=calendar),
    }


# Premium calls in default get a case and a reminder dated today (``rules.default_date``); the
# managing broker's accounting contacts get the news (and an action to take), otherwise the
# member's (seed 000, note ***).
OPENING = Move(
    "dossiers ouverts", source=(), target=Stage.OPEN,
    events=((EventType.AWAITING, "due_date"), (EventType.REMINDER, "reminder_date")),
    letter=LetterKind.REMINDER,
    news=(News(BROKERS, "reminder_action", Sql("m.broker_manages")),
          News(MEMBERS, "reminder", Sql("NOT m.broker_manages"))),
    news_text="courrier de rappel du {today}",
)

DATE_MOVES = (
    Move(
        "mises en demeure", source=(Stage.OPEN,), target=Stage.FORMAL_NOTICE, due="formal_notice_planned",
        # Held while an extension request is pending.
        condition=Sql(f"NOT EXISTS (SELECT 1 FROM {EXTENSION} e WHERE e.case_id = c.id AND e.status = %(pending)s)",  # noqa: S608
                      {"pending": rules.Decision.PENDING}),
        sets=_formal_notice_dates,
        events=((EventType.FORMAL_NOTICE, "formal_notice_date"),),
        letter=LetterKind.FORMAL_NOTICE, letter_effective="suspension_date",
        news=(News(BROKERS, "formal_notice"), News(MEMBERS, "formal_notice", Sql("NOT m.broker_manages"))),
        news_text="mise en demeure envoyée au sociétaire le {today}",
    ),
    Move(
        "suspensions", source=(Stage.FORMAL_NOTICE,), target=Stage.SUSPENDED, due="suspension_date",
        events=((EventType.SUSPENSION, "suspension_date"),),
        letter=LetterKind.SUSPENSION, letter_effective="suspension_date",
        policy_status=PolicyStatus.SUSPENDED, policy_from=_values_in("p.status", [PolicyStatus.ACTIVE], prefix="from"),
        news=(News(BROKERS, "suspension"),),
        news_text="garanties suspendues (courrier du {today})",
    ),
    Move(
        "résiliations", source=(Stage.SUSPENDED,), target=Stage.TERMINATED, due="termination_date",
        events=((EventType.TERMINATION, "termination_date"),),
        letter=LetterKind.TERMINATION, letter_effective="termination_date",
        policy_status=PolicyStatus.TERMINATED,
        policy_from=_values_in("p.status", [PolicyStatus.ACTIVE, PolicyStatus.SUSPENDED], prefix="from"),
        news=(News(BROKERS, "termination"),),
        news_text="police résiliée pour non-paiement, dossier transmis au contentieux",
    ),
)

# Payment in full (any day, also every few minutes): ``LAST_PAID`` is the date of the last
# payment, which closes the case. The first move whose source and condition hold applies.
LAST_PAID = f"(SELECT MAX(pay.paid_on) FROM {PAYMENT} pay WHERE pay.premium_call_id = c.premium_call_id)"  # noqa: S608
PAYMENT_MOVES = (
    Move("dossiers soldés", source=(Stage.OPEN,), target=Stage.CLOSED, events=((EventType.PAID, "closed_on"),)),
    # Before the termination date: the reinstatement letter, cover resumes at noon the day after
    # the payment (L113-3); the policy is active again, unless another case of it keeps it
    # suspended or terminated.
    Move(
        "remises en vigueur", source=(Stage.FORMAL_NOTICE, Stage.SUSPENDED, Stage.TERMINATED),
        target=Stage.REINSTATED, condition=Sql(f"c.termination_date > {LAST_PAID}"),
        events=((EventType.REINSTATEMENT, "closed_on"),),
        letter=LetterKind.REINSTATEMENT, letter_effective="closed_on", letter_amount="0",
        policy_status=PolicyStatus.ACTIVE,
        policy_from=Sql(f"p.status <> %(active)s AND NOT EXISTS (SELECT 1 FROM {CASE} other "  # noqa: S608
                        "WHERE other.policy_id = p.id AND other.stage IN (%(suspended)s, %(terminated)s))",
                        {"active": PolicyStatus.ACTIVE, "suspended": Stage.SUSPENDED,
                         "terminated": Stage.TERMINATED}),
        news=(News(BROKERS, "reinstatement_action"),),
        news_text="courrier de remise en vigueur du {today}",
    ),
    # On or after it: no reinstatement, the debt is settled.
    Move("dettes soldées", source=(Stage.TERMINATED,), target=Stage.SETTLED,
         events=((EventType.SETTLED, "closed_on"),)),
)


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
            report.counts[OPENING.name] = _open_cases(today=today, calendar=calendar, now=now)
            for move in DATE_MOVES:
                report.counts[move.name] = _date_move(move, today=today, calendar=calendar, now=now)
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
    _LETTERS_TO_RENDER.add(letter_ids)


def _letters_enqueue(letter_ids: list[int]) -> None:
    from amiable.tasks import letters_render_task

    lost = Letter.objects.filter(document__isnull=True, created_at__lt=timezone.now() - RENDER_LOST_AFTER)
    ids = sorted({*letter_ids, *lost.values_list("id", flat=True)})
    for start in range(0, len(ids), LETTERS_PER_TASK):
        letters_render_task.delay(ids[start : start + LETTERS_PER_TASK])


_LETTERS_TO_RENDER = IdsOnCommit(_letters_enqueue)


# ------------------------------------------------------------------------------ execution


def _adapt(value):
    """Raw SQL gets the values the ORM would write (SQLite stores datetimes as naive UTC text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    if isinstance(value, StrEnum | models.TextChoices):
        return str(value.value)
    return value


def _execute(statement: Sql) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement.text, {name: _adapt(value) for name, value in statement.params.items()})
        return max(cursor.rowcount, 0)


def _returning(statement: Sql) -> list:
    """Run a write ending in ``RETURNING``: the rows it wrote, exactly (not those of another run)."""
    with connection.cursor() as cursor:
        cursor.execute(statement.text, {name: _adapt(value) for name, value in statement.params.items()})
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
# Each move changes cases with one statement and keeps what its writes need of them — of the
# cases that statement moved, and of no other — in a temporary table: every write of the
# move (events, letters, policies, news) is then one INSERT … SELECT from it, without
# looking the cases up again. On PostgreSQL the move fills the table itself (a data-modifying
# WITH); SQLite takes the ids from RETURNING and reads the cases back.

MOVED_COLUMNS = {
    "id": "bigint", "policy_id": "bigint", "broker_manages": "boolean", "stage": "varchar(20)",
    "reminder_date": "date", "formal_notice_date": "date", "suspension_date": "date",
    "termination_date": "date", "closed_on": "date", "due": "numeric", "due_date": "date",
    "call_reference": "varchar(40)", "call_amount": "numeric",
}
# Of a case ``c`` and its premium call ``pc``: the amount still due, and what the letters say
# of the premium call.
MOVED_VALUES = {"due": "pc.amount - pc.paid_amount", "due_date": "pc.due_date", "call_reference": "pc.reference",
                "call_amount": "pc.amount"}


def _moved_values() -> str:
    return ", ".join(MOVED_VALUES.get(column, _column("c", column)) for column in MOVED_COLUMNS)


def _move(statement: Sql, *, inserts: bool = False) -> int:
    """Run ``statement`` — an ``UPDATE`` of the cases ``c`` … ``FROM`` their premium calls ``pc``,
    or with ``inserts`` an ``INSERT`` of cases — and keep the cases it moved in ``MOVED``.
    Returns their number."""
    columns = ", ".join(f"{_name(name)} {kind}" for name, kind in MOVED_COLUMNS.items())
    postgresql = connection.vendor == "postgresql"
    on_commit = " ON COMMIT DROP" if postgresql else ""
    _execute(Sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {MOVED} ({columns}){on_commit}"))
    _execute(Sql(f"DELETE FROM {MOVED}"))  # noqa: S608 (quoted table name)
    values = _moved_values()
    if postgresql and inserts:  # RETURNING sees the new case only: its premium call is joined
        return _execute(Sql(
            f"WITH c AS ({statement.text} RETURNING *) "  # noqa: S608 (quoted table names)
            f"INSERT INTO {MOVED} SELECT {values} FROM c JOIN {CALL} pc ON pc.id = c.premium_call_id",
            statement.params,
        ))
    if postgresql:
        return _execute(Sql(
            f"WITH moved AS ({statement.text} RETURNING {values}) INSERT INTO {MOVED} SELECT * FROM moved",  # noqa: S608
            statement.params,
        ))
    ids = [case_id for case_id, in _returning(Sql(f"{statement.text} RETURNING id", statement.params))]
    _execute(Sql(
        f"INSERT INTO {MOVED} SELECT {values} FROM {CASE} c JOIN {CALL} pc ON pc.id = c.premium_call_id "  # noqa: S608
        "WHERE c.id IN (SELECT value FROM json_each(%(ids)s))",
        {"ids": json.dumps(ids)},
    ))
    return len(ids)


# ---------------------------------------------------------------------------- the moves


def _open_cases(*, today: date, calendar: BusinessCalendar, now) -> int:
    """``OPENING``: premium calls in default with money still due get a case and a reminder."""
    window_end = rules.response_deadline(reminder_date=today, calendar=calendar)
    opened = _move(Sql(
        f"""
        INSERT INTO {CASE} (premium_call_id, policy_id, broker_manages, stage, opened_on, reminder_date,
                            response_deadline, answer, formal_notice_planned, manual_follow_up,
                            manual_follow_up_note, created_at, updated_at, broker_id, member_id, policy_number,
                            member_number, company_name, letter_date, letter_unread)
        SELECT pc.id, pc.policy_id, p.broker_manages, %(stage)s, %(today)s, %(today)s, %(window_end)s, '',
               %(planned)s, FALSE, '', %(now)s, %(now)s, p.broker_id, p.member_id, p.number, mb.member_number,
               mb.company_name, %(today)s, TRUE
        FROM {CALL} pc JOIN {POLICY} p ON p.id = pc.policy_id JOIN {MEMBER} mb ON mb.id = p.member_id
        WHERE pc.due_date <= %(latest_due)s AND pc.amount > pc.paid_amount AND p.status <> %(terminated)s
          AND NOT EXISTS (SELECT 1 FROM {CASE} c WHERE c.premium_call_id = pc.id)
        ON CONFLICT (premium_call_id) DO NOTHING
        """,  # noqa: S608 (quoted table names)
        {
            "stage": OPENING.target, "today": today, "window_end": window_end,
            "planned": rules.formal_notice_date(window_end=window_end, calendar=calendar), "now": now,
            "latest_due": rules.latest_due_date_in_default(today=today, calendar=calendar),
            "terminated": PolicyStatus.TERMINATED,
        },
    ), inserts=True)
    if opened:
        _writes(OPENING, today=today, now=now)
    return opened


def _date_move(move: Move, *, today: date, calendar: BusinessCalendar, now) -> int:
    """A move of ``DATE_MOVES`` for the cases whose date has come, premium still due and not
    under manual follow-up: one UPDATE … FROM joined to the premium call (the ORM's ``update``
    across a relation adds a self-join on ``id IN (…)`` that costs a third more on 50 000 rows).
    It dates the case's latest letter: the move's, issued today."""
    dates = move.sets(today, calendar) if move.sets else {}
    sets = "".join(f"{_name(column)} = %(set_{column})s, " for column in dates)
    source = _values_in("c.stage", move.source, prefix="source")
    moved = _move(Sql(
        f"""
        UPDATE {CASE} AS c SET stage = %(target)s, {sets}letter_date = %(today)s, updated_at = %(now)s
        FROM {CALL} AS pc
        WHERE pc.id = c.premium_call_id AND NOT c.manual_follow_up AND pc.amount > pc.paid_amount
          AND {source.text} AND {_column("c", move.due)} <= %(today)s AND ({move.condition.text})
        """,  # noqa: S608 (quoted table and column names)
        {
            "target": move.target, "today": today, "now": now, **source.params, **move.condition.params,
            **{f"set_{column}": value for column, value in dates.items()},
        },
    ))
    if moved:
        _writes(move, today=today, now=now)
    return moved


def payments_settle(*, today: date, calendar: BusinessCalendar | None = None, now=None) -> dict[str, int]:
    """Apply payments to open cases (any day, also every few minutes by Celery beat): every
    payment on a case's premium call is an event of its history; a premium paid in full moves
    its case by ``PAYMENT_MOVES`` (one UPDATE for all of them)."""
    now = now or timezone.now()
    counts = dict.fromkeys((move.name for move in PAYMENT_MOVES), 0)
    with transaction.atomic():
        _batch_settings()
        followed = _values_in("c.stage", [Stage.OPEN, Stage.FORMAL_NOTICE, Stage.SUSPENDED, Stage.TERMINATED],
                              prefix="followed")
        _execute(Sql(
            f"""
            INSERT INTO {EVENT} (case_id, type, key, date, detail, amount, created_at)
            SELECT c.id, %(type)s, 'payment:' || pay.id, pay.paid_on, '', pay.amount, %(now)s
            FROM {PAYMENT} pay JOIN {CASE} c ON c.premium_call_id = pay.premium_call_id
            WHERE {followed.text}
            ON CONFLICT (case_id, key) DO NOTHING
            """,  # noqa: S608 (quoted table names)
            {"type": EventType.PAYMENT, "now": now, **followed.params},
        ))
        cases, params = [], {"today": today, "now": now}
        for index, move in enumerate(PAYMENT_MOVES):
            source = _values_in("c.stage", move.source, prefix=f"source_{index}")
            cases.append((f"{source.text} AND ({move.condition.text})", index, move))
            params.update({**source.params, **move.condition.params, f"target_{index}": move.target})
        stages = " ".join(f"WHEN {case} THEN %(target_{index})s" for case, index, _ in cases)
        # The moves that issue a letter (the reinstatement) date it today, and it waits to be read.
        lettered = " OR ".join(f"({case})" for case, _, move in cases if move.letter) or "FALSE"
        settled = _move(Sql(
            f"""
            UPDATE {CASE} AS c
            SET stage = CASE {stages} END, closed_on = {LAST_PAID},
                letter_date = CASE WHEN {lettered} THEN %(today)s ELSE c.letter_date END,
                letter_unread = c.letter_unread OR ({lettered}), updated_at = %(now)s
            FROM {CALL} AS pc
            WHERE pc.id = c.premium_call_id AND pc.paid_amount >= pc.amount
              AND ({" OR ".join(f"({case})" for case, _, _ in cases)})
            """,  # noqa: S608 (quoted table names)
            params,
        ))
        if settled:
            for move in PAYMENT_MOVES:
                counts[move.name] = _writes(move, today=today, now=now,
                                            moved=Sql("m.stage = %(stage)s", {"stage": move.target}))
    return counts


def _writes(move: Move, *, today: date, now, moved: Sql = TRUE) -> int:
    """What ``move`` writes for the cases it moved (those of ``MOVED`` matching ``moved``):
    its events, letter, policies' status and news. Returns the number of its first event."""
    written = [_events(kind, date_column=column, now=now, where=moved) for kind, column in move.events]
    if move.letter:
        _letters(move.letter, today=today, effective=move.letter_effective, amount=move.letter_amount,
                 now=now, where=moved)
    if move.policy_status:
        _policies_set(status=move.policy_status, where=move.policy_from, now=now, moved=moved)
    if move.news:
        _digest(move.news_text.format(today=format_date(today)), to=move.news, today=today, now=now, where=moved)
    return written[0]


# ------------------------------------------------------------- set-based writes from MOVED


def _events(kind: EventType, *, date_column: str, now, where: Sql = TRUE) -> int:
    """One event of ``kind`` per moved case (those matching ``where``), dated by ``date_column``."""
    return _execute(Sql(
        f"""
        INSERT INTO {EVENT} (case_id, type, key, date, detail, created_at)
        SELECT m.id, %(type)s, %(type)s, {_column("m", date_column)}, '', %(now)s FROM {MOVED} m WHERE {where.text}
        ON CONFLICT (case_id, key) DO NOTHING
        """,  # noqa: S608 (quoted table and column names)
        {"type": kind, "now": now, **where.params},
    ))


def _letter_content(kind: LetterKind) -> tuple[dict[str, str], dict[str, object]]:
    """What a letter of ``kind`` says besides its figures — the columns of ``Letter`` that the
    renderer (``amiable.letters``) reads —: their SQL from the moved case ``m``, its policy
    ``p``, member ``mb`` and broker ``o`` (or NULL) and the insurer's settings of the day, and
    the parameters of that SQL."""
    newline = "chr(10)" if connection.vendor == "postgresql" else "char(10)"

    def address(alias: str) -> str:
        """One line per line: street, complement (each when given), postal code and city."""
        return (f"COALESCE(NULLIF({alias}.address_line1, '') || {newline}, '') "
                f"|| COALESCE(NULLIF({alias}.address_line2, '') || {newline}, '') "
                f"|| TRIM({alias}.postal_code || ' ' || {alias}.city)")

    content = {
        "insurer_name": "%(insurer_name)s", "insurer_address": "%(insurer_address)s",
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
        "recovery_indemnity": "CAST(%(recovery_indemnity)s AS NUMERIC)",
    }
    params = {
        "insurer_name": settings.PORTAL_INSURER_NAME,
        "insurer_address": "\n".join(settings.PORTAL_INSURER_ADDRESS),
        "recovery_indemnity": letters.recovery_indemnity() if kind == LetterKind.TERMINATION else None,
    }
    return content, params


def _letters(kind: LetterKind, *, today: date, now, effective: str | None = None, amount: str = "m.due",
             where: Sql = TRUE) -> int:
    """Issue one letter of ``kind``, dated ``today``, per moved case, everything it says frozen
    at issue — its figures, and the rest of its content (``_letter_content``) in the same
    statement —; its PDF is rendered from that row once the transaction commits."""
    content, content_params = _letter_content(kind)
    effective_date = _column("m", effective) if effective else "NULL"
    issued = [
        letter_id
        for letter_id, in _returning(Sql(
            f"""
            INSERT INTO {LETTER} (case_id, kind, letter_date, amount_due, effective_date, created_at,
                                  {", ".join(_name(column) for column in content)})
            SELECT m.id, %(kind)s, %(today)s, {amount}, {effective_date}, %(now)s, {", ".join(content.values())}
            FROM {MOVED} m JOIN {POLICY} p ON p.id = m.policy_id JOIN {MEMBER} mb ON mb.id = p.member_id
                LEFT JOIN {ORGANISATION} o ON o.id = p.broker_id
            WHERE {where.text}
            ON CONFLICT (case_id, kind) DO NOTHING
            RETURNING id
            """,  # noqa: S608 (quoted table and column names)
            {"kind": kind, "today": today, "now": now, **content_params, **where.params},
        ))
    ]
    letters_render_after_commit(issued)
    return len(issued)


def _policies_set(*, status: PolicyStatus, where: Sql, now, moved: Sql = TRUE) -> int:
    """The status of the policies of the moved cases (those matching ``moved``), where ``where`` holds."""
    return _execute(Sql(
        f"""
        UPDATE {POLICY} AS p SET status = %(status)s, updated_at = %(now)s
        WHERE {where.text} AND p.id IN (SELECT m.policy_id FROM {MOVED} m WHERE {moved.text})
        """,  # noqa: S608 (quoted table names)
        {"status": status, "now": now, **where.params, **moved.params},
    ))


def _cases_link() -> str:
    """Each policy's line of a digest links to its cases on « Gérer le cycle amiable »."""
    return f"{reverse('amiable:cases')}?police={notifications.POLICY_NUMBER}"


def _digest(text: str, *, to: tuple[News, ...], today: date, now, where: Sql = TRUE) -> int:
    """The news of the moved cases for the day's digests: for each ``News`` of ``to``, one row
    listing the policies of the cases matching its condition, for each policy's broker
    organisation or member (``DigestItem.fan_out``) — the parties, their accounting contacts and
    the lines are found when the digest goes out.

    The key names the step, the party and the first of the cases: each case takes a step once,
    so two runs never announce the same case twice.
    """
    policies = "jsonb_agg(m.policy_id)" if connection.vendor == "postgresql" else "json_group_array(m.policy_id)"
    written = 0
    for news in to:
        written += _execute(Sql(
            f"""
            INSERT INTO {DIGEST} (key, recipient, audience, kind, text, link, fan_out, policies, business_date,
                                  created_at)
            SELECT 'amiable:' || %(step)s || ':' || %(party)s || ':' || news.first_case, '', %(audience)s,
                   %(kind)s, %(text)s, %(link)s, %(party)s, news.policies, %(today)s, %(now)s
            FROM (SELECT MIN(m.id) AS first_case, {policies} AS policies
                  FROM {MOVED} m WHERE ({where.text}) AND ({news.condition.text})) AS news
            WHERE news.first_case IS NOT NULL
            ON CONFLICT (key) DO NOTHING
            """,  # noqa: S608 (quoted table names)
            {
                "step": news.kind.removesuffix("_action"), "party": news.party,
                "audience": "partner" if news.party == BROKERS else "member", "kind": f"amiable_{news.kind}",
                "text": text, "link": _cases_link() if news.party == BROKERS else "", "today": today, "now": now,
                **where.params, **news.condition.params,
            },
        ))
    return written
