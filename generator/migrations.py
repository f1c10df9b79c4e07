"""Diverged migration histories (Alembic heads, Django leaf nodes), read from the files, and their fix.

A template release that adds a migration to a project that has its own leaves two branches:
`flask db upgrade` stops with "Multiple head revisions", Django's `migrate` with "Conflicting
migrations detected". Reading the migration files finds that without importing the project;
the merge migration is then made by the project's own tools, in its own environment.
"""

from __future__ import annotations

import ast
import os
import shlex
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SKIPPED_PARTS = {".venv", "venv", "node_modules", ".git", "__pycache__", "site-packages"}


@dataclass(frozen=True)
class Divergence:
    """One migration history with more than one newest migration."""

    kind: str  # "alembic" or "django"
    where: str  # the versions folder, or the Django app label
    tips: tuple[str, ...]
    argv: tuple[str, ...]  # after the project's python: the command that writes the merge migration

    @property
    def command(self) -> str:
        """The command as a person types it in the project folder (with its .venv active)."""
        words = self.argv[2:] if self.argv[:2] == ("-m", "flask") else self.argv
        return shlex.join(("flask" if self.argv[:2] == ("-m", "flask") else "python", *words))

    def describe(self) -> str:
        return f"{self.kind} migrations in {self.where} have diverged ({', '.join(self.tips)})"


def _module_assignments(path: Path) -> dict[str, Any]:
    """Literal assignments of a migration file: module level (Alembic) and in its Migration class (Django)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    body = list(tree.body)
    body += [n for c in tree.body if isinstance(c, ast.ClassDef) and c.name == "Migration" for n in c.body]
    values: dict[str, Any] = {}
    for node in body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name):
                values[target.id] = _literal(value)
    return values


def _literal(node: ast.expr) -> Any:
    """The value of a literal; for a list or tuple, the items that are literals (swappable_dependency(...) is not)."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        if not isinstance(node, ast.List | ast.Tuple):
            return None
    items = []
    for item in node.elts:
        try:
            items.append(ast.literal_eval(item))
        except ValueError:
            continue
    return items


def _walk(root: Path, name: str) -> Iterable[Path]:
    for folder, dirs, _files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_PARTS and not d.startswith("."))
        if Path(folder).name == name:
            yield Path(folder)


def alembic_heads(versions: Path) -> list[str]:
    """Revisions no other revision names as its parent."""
    revisions: dict[str, set[str]] = {}
    for path in sorted(versions.glob("*.py")):
        values = _module_assignments(path)
        revision = values.get("revision")
        if not isinstance(revision, str):
            continue
        down = values.get("down_revision")
        parents = {down} if isinstance(down, str) else {p for p in down or () if isinstance(p, str)}
        revisions[revision] = parents
    parents_of_any = set().union(*revisions.values()) if revisions else set()
    return sorted(set(revisions) - parents_of_any)


def django_leaves(migrations: Path) -> list[str]:
    """Migrations of one app that no other migration of the same app depends on."""
    app = migrations.parent.name
    names = {p.stem for p in migrations.glob("[0-9]*.py")}
    needed: set[str] = set()
    for name in names:
        values = _module_assignments(migrations / f"{name}.py")
        for dependency in values.get("dependencies", ()) or ():
            if isinstance(dependency, tuple) and len(dependency) == 2 and dependency[0] == app:
                needed.add(str(dependency[1]))
        for replaced in values.get("replaces", ()) or ():
            if isinstance(replaced, tuple) and len(replaced) == 2 and replaced[0] == app:
                needed.add(str(replaced[1]))
    return sorted(names - needed)


def diverged(project: Path, answers: dict[str, Any]) -> list[Divergence]:
    """Every diverged history in the project, with the command that merges it."""
    found: list[Divergence] = []
    flask_app = str(answers.get("package_name") or "app")
    for versions in _walk(project, "versions"):
        if not (versions.parent / "env.py").exists():
            continue
        heads = alembic_heads(versions)
        if len(heads) > 1:
            where = versions.relative_to(project).as_posix()
            argv = ("-m", "flask", f"--app={flask_app}", "db", "merge", "-m", "merge template migrations", "heads")
            found.append(Divergence("alembic", where, tuple(heads), argv))
    if (project / "manage.py").exists():
        for migrations in _walk(project, "migrations"):
            if not (migrations / "__init__.py").exists():
                continue
            leaves = django_leaves(migrations)
            if len(leaves) > 1:
                django_argv = ("manage.py", "makemigrations", "--merge", "--noinput")
                found.append(Divergence("django", migrations.parent.name, tuple(leaves), django_argv))
    return found


def venv_python(project: Path) -> Path | None:
    """The project's own interpreter, when it has been set up (.venv)."""
    python = project / ".venv" / "bin" / "python"
    return python if python.exists() else None


def merge(work: Path, divergence: Divergence, python: Path, timeout: float = 120) -> bool:
    """Write the merge migration in work with the project's interpreter; True when the history is one again."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(PYTHONDONTWRITEBYTECODE="1", PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}")
    try:
        result = subprocess.run(  # noqa: S603 (the project's own interpreter and a fixed command)
            [str(python), *divergence.argv],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0
