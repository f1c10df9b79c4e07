"""The README's Quickstart, run as written by a beginner: fresh HOME, no git identity, a real terminal.

The first block installs newproj with `uv tool install` from a copy of this repository; the second
runs in tmux, where the test answers as a person would (typing over defaults), accepts "Set it up
now?" and "Start it now?", and reads the app's /health over HTTP.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.harness import REPO, fetch, free_port
from tests.test_interactive import Terminal, joined

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None or shutil.which("uv") is None, reason="needs tmux and uv (tests/run.sh installs them)"
)


def quickstart_blocks() -> list[str]:
    """The bash blocks of the README's Quickstart section, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quickstart\n(.*?)^## ", text, flags=re.MULTILINE | re.DOTALL)
    assert section, "README.md has no Quickstart section"
    return re.findall(r"^```bash\n(.*?)^```", section.group(1), flags=re.MULTILINE | re.DOTALL)


def network_settings() -> dict[str, str]:
    """The machine's package-index, proxy and certificate settings: part of the machine, not of HOME."""
    pattern = re.compile(r"proxy|ssl|cert|ca_bundle|^uv_|^pip_", re.IGNORECASE)
    return {k: v for k, v in os.environ.items() if pattern.search(k)}


def uv_cache() -> str:
    return os.environ.get("UV_CACHE_DIR") or subprocess.check_output(["uv", "cache", "dir"], text=True).strip()


def copy_of_the_repository(into: Path) -> Path:
    """newproj's files as a person's clone has them (tracked and new files, no .venv or caches)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = REPO / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


def test_the_quickstart_has_the_two_commands_and_creates_outside_the_checkout():
    install, create = quickstart_blocks()[:2]
    assert install.strip() == "uv tool install ./newproj"
    assert "newproj create my-shop" in create and "cd ~/code" in create
    assert "pip install" not in install


@pytest.mark.e2e
def test_a_beginner_follows_the_quickstart_to_a_running_app(tmp_path: Path) -> None:
    install, create = quickstart_blocks()[:2]
    home = tmp_path / "home"  # fresh: no git identity, no newproj state, no tools
    home.mkdir()
    here = tmp_path / "downloads"
    copy_of_the_repository(here / "newproj")
    port = free_port()
    env = {
        **network_settings(),
        "HOME": str(home),
        "PATH": os.pathsep.join([str(home / ".local" / "bin"), str(Path(shutil.which("uv") or "").parent), os.defpath]),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR")
        or subprocess.check_output(["uv", "cache", "dir"], text=True).strip(),
        "UV_PYTHON_DOWNLOADS": "never",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PORT": str(port),
        "LANG": "C.UTF-8",
    }
    installed = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", install], cwd=here, env=env, capture_output=True, text=True, timeout=600
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (home / ".local" / "bin" / "newproj").exists()

    exported = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    term = Terminal(f"env -i TERM=tmux-256color {exported} bash -c {shlex.quote(create)}", here, width=120)
    try:
        term.wait_for("What are you building?")
        term.keys("Up", "Up", "Up", "Enter")  # website -> api
        for _ in range(6):
            term.keys("Enter")
        term.wait_for("Go with this?")
        term.keys("Enter")
        for question, typed in (
            ("One line about the project [", "Recipes for our club"),
            ("Author or team name [", "Ada Lovelace"),
            ("Author e-mail [", "ada@example.com"),
        ):
            term.wait_for(question)
            term.type(typed)
            term.keys("Enter")
        term.wait_for("Set it up now", timeout=60)
        term.keys("Enter")
        term.wait_for("Start it now?", timeout=600)
        term.keys("Enter")
        screen = term.wait_for("Serving at", timeout=180)
        url = re.search(r"Serving at (\S+)/ ", joined(screen)).group(1)
        assert url == f"http://127.0.0.1:{port}"
        assert fetch(f"{url}/health").status == 200
        term.keys("C-c")
        assert "EXIT=0" in term.wait_for("EXIT=", timeout=60)
    finally:
        term.close()
    project = home / "code" / "my-shop"
    assert (project / ".venv").is_dir()
    assert not (here / "newproj" / "my-shop").exists()
    author = subprocess.run(["git", "log", "-1", "--format=%an <%ae>"], cwd=project, capture_output=True, text=True)
    assert author.stdout.strip() == "Ada Lovelace <ada@example.com>"
    assert "Recipes for our club" in (project / "pyproject.toml").read_text()
