"""The résiliation app's modules import each other without a cycle, and the sandbox providers
speak to the app only through the provider protocol, the webhook endpoint and their tasks.

The graph is built from the source (``ast``): every import, at module level or inside a
function, is an edge. One kind of edge is left out on purpose: a lazy import of a Celery
tasks module (``resiliation.tasks``, ``resiliation.sandbox.tasks``) inside a function — the
way a service queues its task after commit, while the task's body calls the service.
"""

from __future__ import annotations

import ast
from pathlib import Path

import resiliation

ROOT = Path(resiliation.__file__).parent
PACKAGE = "resiliation"
TASKS = {"resiliation.tasks", "resiliation.sandbox.tasks"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in ROOT.rglob("*.py") if "migrations" not in path.parts}


def _imports(path: Path, name: str, known: set[str]) -> set[tuple[str, bool]]:
    """(imported module, at module level) for each import of the file."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        found.update((target, id(node) in top) for target in targets if target.split(".")[0] == PACKAGE)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {target for target, top_level in _imports(path, name, known)
                       if target in known and target != name and (top_level or target not in TASKS)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_app_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_check_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_the_sandbox_talks_to_the_app_only_through_the_provider_protocol_and_its_tasks():
    graph = import_graph()
    allowed = {"resiliation.conf", "resiliation.providers.base", "resiliation.views.common"}
    for name, targets in graph.items():
        if name.startswith("resiliation.sandbox"):
            outside = {target for target in targets if not target.startswith("resiliation.sandbox")}
            assert outside <= allowed, (name, outside - allowed)


def test_services_and_selectors_are_packages_and_modules_as_the_layout_says():
    modules = set(_modules())
    assert {"resiliation.services.letters", "resiliation.services.sending", "resiliation.services.signatures",
            "resiliation.services.tracking", "resiliation.services.identity", "resiliation.selectors",
            "resiliation.rules", "resiliation.rules.dates", "resiliation.sandbox.provider"} <= modules
    assert not {"resiliation.sending", "resiliation.signatures", "resiliation.tracking", "resiliation.identity",
                "resiliation.notify", "resiliation.deadlines", "resiliation.providers.sandbox"} & modules
