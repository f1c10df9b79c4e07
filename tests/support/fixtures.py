"""Small template roots built inline for testing newproj's plumbing quickly."""

from __future__ import annotations

import shutil
from pathlib import Path

from .harness import REPO

ANSWERS = "{{ _copier_conf.answers_file }}.jinja"
README = """# {{ project_name }}

{{ description | replace('\\n', ' ') }}

## Set up

```bash
echo setting up
```

## Run

```bash
echo running
```

## Tests

```bash
echo testing
```
"""
MODULE = "DESCRIPTION = {{ description | tojson }}\nAUTHOR = {{ author_name | tojson }}\n"


def template_root(root: Path, filler: int = 0) -> Path:
    """A copy of the real copier.yml with three tiny templates; filler adds that many files each."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "templates" / "copier.yml", root / "copier.yml")
    (root / "_shared").mkdir()
    shutil.copy(REPO / "templates" / "_shared" / "copier-answers.yml", root / "_shared")
    for name in ("flask-api", "flask-webapp", "django-fullstack"):
        folder = root / name
        package = folder / "{{ package_name }}"
        package.mkdir(parents=True)
        shutil.copy(REPO / "templates" / "flask-api" / ANSWERS, folder / ANSWERS)
        (folder / "README.md.jinja").write_text(README)
        (folder / ".gitignore").write_text(".env\n.venv/\n")
        (folder / ".env.example").write_text("SECRET_KEY=change-me\nDATABASE_URL=\n")
        (package / "__init__.py.jinja").write_text(MODULE)
        (folder / "kind.txt").write_text(f"{name}\n")
        for index in range(filler):
            (folder / f"filler_{index:05d}.txt.jinja").write_text("{{ project_name }} " + "x" * 200 + "\n")
    return root
