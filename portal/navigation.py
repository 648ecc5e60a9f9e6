"""What each app contributes to the pages everyone sees: its home tiles, its section of the top
menu, links of the account menu and the footer, a short status in the top bar (the credit) and
its demo command (for ``seed_demo``).

An app registers once, from its ``AppConfig.ready()``::

    navigation.register(
        app="amiable", order=10,
        tiles=[navigation.Tile("gérer", "le cycle amiable", "amiable:cases", area=Area.AMIABLE,
                               icon="img/tiles/amiable.svg")],
        section=navigation.Section("Cycle amiable", [navigation.Link("Gérer le cycle amiable", "amiable:cases",
                                                                     area=Area.AMIABLE)]),
        demo_command="amiable_demo",
    )

Every entry names its page by URL name; one that does not resolve (its app or view is not
installed yet) is left out silently, so the menu is right before and after a module lands. A user
sees only what they may open: the entry's delegation area, and who it is for (``audience``).
``portal`` itself names no business app: the apps bring their own words and links.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.auth.models import AnonymousUser
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse

# Who an entry is for (besides its delegation area, when it has one).
PUBLIC = "public"  # everyone, signed in or not (footer pages)
SIGNED_IN = "signed_in"  # every signed-in user
INTERMEDIARIES = "intermediaries"  # brokers and agents: administrators and collaborators
ADMINISTRATORS = "administrators"  # an organisation's administrators
STAFF = "staff"  # the insurer's staff (Django admin)

ORGANISATION_SWITCH_TEMPLATE = "portal/_organisation_switch.html"


class _Target:
    """A page named by its URL name, for some users only."""

    url_name: str
    args: tuple
    query: str
    area: str | None
    audience: str

    def url(self) -> str | None:
        try:
            path = reverse(self.url_name, args=self.args)
        except NoReverseMatch:
            return None
        return f"{path}?{self.query}" if self.query else path

    def open_to(self, user, areas: frozenset[str]) -> bool:
        if self.audience == PUBLIC:
            return True
        if not user.is_authenticated:
            return False
        if self.area is not None and self.area not in areas:
            return False
        if self.audience == STAFF:
            return user.is_staff
        if self.audience == ADMINISTRATORS:
            return user.is_org_admin
        if self.audience == INTERMEDIARIES:
            return user.is_intermediary
        return True


@dataclass(frozen=True)
class Link(_Target):
    label: str
    url_name: str
    args: tuple = ()
    query: str = ""
    area: str | None = None
    audience: str = SIGNED_IN


@dataclass(frozen=True)
class Tile(_Target):
    """A tile of the home page (seed 000): two lines and an icon (a static file)."""

    top: str
    bottom: str
    url_name: str
    icon: str
    args: tuple = ()
    query: str = ""
    area: str | None = None
    audience: str = INTERMEDIARIES


@dataclass(frozen=True)
class Section:
    """A section of the top menu: a button that opens its links."""

    label: str
    links: tuple[Link, ...] | list[Link]


@dataclass(frozen=True)
class Status(_Target):
    """A short text at the right of the top bar, linking to its page (e.g. « Crédit : 12,00 € »).
    ``text(user)`` runs once per page that shows it: one query at most."""

    text: Callable
    url_name: str
    args: tuple = ()
    query: str = ""
    area: str | None = None
    audience: str = INTERMEDIARIES


@dataclass(frozen=True)
class Contribution:
    app: str
    order: int
    tiles: tuple[Tile, ...] = ()
    section: Section | None = None
    account_links: tuple[Link, ...] = ()
    footer_links: tuple[Link, ...] = ()
    statuses: tuple[Status, ...] = ()
    demo_command: str | None = None


_registry: dict[str, Contribution] = {}


def register(
    *,
    app: str,
    order: int = 100,
    tiles: Iterable[Tile] = (),
    section: Section | None = None,
    account_links: Iterable[Link] = (),
    footer_links: Iterable[Link] = (),
    statuses: Iterable[Status] = (),
    demo_command: str | None = None,
) -> None:
    """Record what ``app`` contributes (called again, it replaces the app's entry). ``order`` places
    its tiles and menu section among the others (the top bar reads left to right)."""
    _registry[app] = Contribution(
        app=app, order=order, tiles=tuple(tiles), section=section, account_links=tuple(account_links),
        footer_links=tuple(footer_links), statuses=tuple(statuses), demo_command=demo_command,
    )


def contributions() -> list[Contribution]:
    """Every contribution, by ``order`` (then by registration, i.e. INSTALLED_APPS)."""
    return sorted(_registry.values(), key=lambda contribution: contribution.order)


def demo_commands() -> list[str]:
    """The apps' demo commands, in the order of INSTALLED_APPS (registration order)."""
    return [contribution.demo_command for contribution in _registry.values() if contribution.demo_command]


@dataclass
class Entry:
    label: str
    url: str
    current: bool = False


@dataclass
class VisibleSection:
    key: str
    label: str
    links: list[Entry] = field(default_factory=list)
    current: bool = False  # the page is one of its links, or under one of their addresses


def _path(url: str) -> str:
    return url.split("?", 1)[0]


class Navigation:
    """What one request's user sees: computed on first use, once per request (``for_request``)."""

    def __init__(self, request) -> None:
        self.request = request
        # (no user before the auth middleware: a 400 of a request to an unknown host)
        self.user = request.user if hasattr(request, "user") else AnonymousUser()

    @cached_property
    def areas(self) -> frozenset[str]:
        from portal.selectors import user_areas

        return user_areas(user=self.user) if self.user.is_authenticated else frozenset()

    def _visible(self, targets: Iterable[_Target]) -> list[tuple[_Target, str]]:
        found = []
        for target in targets:
            if not target.open_to(self.user, self.areas):
                continue
            url = target.url()
            if url is not None:
                found.append((target, url))
        return found

    def _entries(self, links: Iterable[Link]) -> list[Entry]:
        here = self.request.path
        entries = [Entry(link.label, url) for link, url in self._visible(links)]
        # The current page: the entry whose address matches best (query string included).
        full = self.request.get_full_path()
        best = [entry for entry in entries if entry.url == full] or [
            entry for entry in entries if _path(entry.url) == here and "?" not in entry.url]
        for entry in best[:1]:
            entry.current = True
        return entries

    @cached_property
    def sections(self) -> list[VisibleSection]:
        sections = []
        for contribution in contributions():
            if contribution.section is None:
                continue
            links = self._entries(contribution.section.links)
            if links:
                sections.append(VisibleSection(contribution.app, contribution.section.label, links))
        here = self.request.path
        for section in sections:
            if any(link.current for link in section.links) or any(
                _path(link.url) != "/" and here.startswith(_path(link.url)) for link in section.links
            ):
                section.current = True
                break
        return sections

    @cached_property
    def account_links(self) -> list[Entry]:
        """The platform's account links (Mon compte, password, users), then the modules' ones."""
        ordered = sorted(contributions(), key=lambda contribution: contribution.app != "portal")
        return self._entries(link for contribution in ordered for link in contribution.account_links)

    @cached_property
    def module_account_links(self) -> list[Entry]:
        """The account links the business modules bring (« Mon compte » lists them)."""
        return self._entries(link for contribution in contributions() if contribution.app != "portal"
                             for link in contribution.account_links)

    @cached_property
    def footer_links(self) -> list[Entry]:
        return self._entries(link for contribution in contributions() for link in contribution.footer_links)

    @cached_property
    def statuses(self) -> list[Entry]:
        shown = []
        for status, url in self._visible(s for contribution in contributions() for s in contribution.statuses):
            text = status.text(self.user)
            if text:
                shown.append(Entry(text, url))
        return shown

    @cached_property
    def tiles(self) -> list[dict]:
        tiles = [tile for contribution in contributions() for tile in contribution.tiles]
        return [{"tile": tile, "url": url} for tile, url in self._visible(tiles)]

    @cached_property
    def organisation_switch(self) -> str | None:
        """The organisation switcher's template, once the accounts module provides it."""
        try:
            get_template(ORGANISATION_SWITCH_TEMPLATE)
        except TemplateDoesNotExist:
            return None
        return ORGANISATION_SWITCH_TEMPLATE


def for_request(request) -> Navigation:
    """The request's navigation, made once (the page and its layout share it)."""
    navigation = getattr(request, "_portal_navigation", None)
    if navigation is None:
        navigation = request._portal_navigation = Navigation(request)
    return navigation
