"""The cycle-amiable cases a help request may concern: registered with the portal from
``AmiableConfig.ready``."""

from __future__ import annotations

from portal.help import concern_kind_register


def case_rows(user):
    from amiable.selectors import cases_visible_to

    return cases_visible_to(user=user).select_related("policy__member").order_by("-opened_on", "-id")


def case_label(case) -> str:
    return f"police {case.policy.number} — {case.policy.member.company_name} (dossier ouvert le {case.opened_on:%d/%m/%Y})"


def register() -> None:
    concern_kind_register(kind="amiable_case", label="Dossier du cycle amiable", rows=case_rows, row_label=case_label)
