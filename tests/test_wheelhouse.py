"""A workshop without internet: `newproj wheelhouse` gathers the packages, `create --wheelhouse` installs from them.

The wheelhouse is made once (with the package index reachable); each template is then created, set up,
tested and served inside `unshare -n` (no network at all, loopback only) with empty uv and pip caches.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.harness import REPO, newproj

REQUIREMENT_LINE = re.compile(r'^\s*"([A-Za-z][A-Za-z0-9_.-]*)(?:\[[^\]]*\])?\s*(?:>=|==|~=|<|>|!=)', re.MULTILINE)
TEMPLATES = ("flask-api", "flask-webapp", "django-fullstack")
PURPOSES = {"flask-api": "api", "flask-webapp": "learning", "django-fullstack": "business-app"}


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0


needs_unshare = pytest.mark.skipif(not _can_unshare(), reason="unshare -n needs util-linux and root (tests/run.sh)")

# Runs inside the network namespace: bring loopback up, create and set up from the wheelhouse, start it
# with --run, read /health through loopback and stop it with Ctrl-C, then run the project's own tests.
# Each step has a deadline well inside the test's own (newproj 480 s, 120 s after Ctrl-C, the tests
# 240 s), and a step that misses it prints every thread's stack (faulthandler, on SIGABRT).
OFFLINE_SCRIPT = r"""
set -euo pipefail
ip link set lo up
cd "$WORK"
"$PY" - <<'PY'
import os, re, signal, subprocess, sys, threading, urllib.request
# A newproj that hangs is made to say where: PYTHONFAULTHANDLER prints every thread's stack on SIGABRT.
proc = subprocess.Popen(
    [os.environ["PY"], "-m", "newproj", "create", "shop", "--defaults", "--no-git", "-a",
     "purpose=" + os.environ["PURPOSE"], "--template", os.environ["TEMPLATE"], "--source", os.environ["SOURCE"],
     "--trust", "--wheelhouse", os.environ["WHEELHOUSE"], "--run", "--port", os.environ["PORT"]],
    cwd=os.environ["WORK"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    env={**os.environ, "PYTHONFAULTHANDLER": "1"},
)
watchdog = threading.Timer(480, proc.send_signal, (signal.SIGABRT,))
watchdog.start()
for line in proc.stdout:
    sys.stderr.write(line)
    match = re.match(r"Serving at (\S+)/ ", line)
    if match:
        with urllib.request.urlopen(match.group(1) + "/health", timeout=10) as reply:
            print("HEALTH", reply.status, flush=True)
        proc.send_signal(signal.SIGINT)
        watchdog.cancel()
        watchdog = threading.Timer(120, proc.send_signal, (signal.SIGABRT,))  # Ctrl-C must end it well before
        watchdog.start()
watchdog.cancel()
sys.exit(proc.wait())
PY
cd shop
# A test that hangs prints its stack (faulthandler_timeout), and the run is stopped with every stack printed.
timeout -s ABRT 240 .venv/bin/python -m pytest -q -p no:cacheprovider --durations 5 -o faulthandler_timeout=60 \
    > tests.log 2>&1
"""


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse")
    args = ["wheelhouse", str(folder), "--source", str(REPO / "templates")]
    result = newproj(*args, *(arg for name in TEMPLATES for arg in ("--template", name)), timeout=900)
    assert result.returncode == 0, result.stderr
    assert f"wheels in {folder}" in result.stdout
    return folder


def declared(template: str) -> set[str]:
    """The distribution names a template's pyproject.toml.jinja pins, read without newproj's help."""
    text = (REPO / "templates" / template / "pyproject.toml.jinja").read_text()
    return {m.group(1).lower().replace("-", "_") for m in REQUIREMENT_LINE.finditer(text)}


def wheel_names(folder: Path) -> set[str]:
    return {wheel.name.split("-")[0].lower() for wheel in folder.glob("*.whl")}


def test_every_answer_value_is_rendered_once_for_each_template() -> None:
    from newproj import requirements
    from newproj import wheelhouse as wheels

    for template in TEMPLATES:
        variants = list(wheels.answer_variants(template))
        for req in requirements.REQUIREMENTS:
            assert {v[req.key] for v in variants} == set(req.choices), (template, req.key)
        assert {v["template"] for v in variants} == {template}


@pytest.mark.e2e
@pytest.mark.parametrize("template", TEMPLATES)
def test_the_wheelhouse_holds_every_package_the_template_declares(wheelhouse: Path, template: str) -> None:
    missing = declared(template) - wheel_names(wheelhouse)
    assert not missing, f"{template} declares packages the wheelhouse lacks: {sorted(missing)}"
    assert {"pip", "setuptools"} <= wheel_names(wheelhouse)


def test_the_wheelhouse_reads_the_lock_files_from_the_templates_at_run_time(tmp_path: Path, monkeypatch) -> None:
    """A pin a template's lock gains after newproj was written is gathered, hashes and all: nothing is a fixed list."""
    from newproj import wheelhouse as wheels

    root = tmp_path / "templates"
    shutil.copytree(REPO / "templates", root)
    first_variant = next(wheels.answer_variants("flask-api"))
    monkeypatch.setattr(wheels, "answer_variants", lambda template: iter([first_variant]))  # one render is enough
    rendered = wheels.template_needs("flask-api", str(root))
    assert len(rendered.locks) == 1 and not rendered.loose
    for lock in (root / "_locks" / "flask-api").glob("*.txt"):
        lock.write_text(lock.read_text() + PROBE_PIN)
    found = wheels.template_needs("flask-api", str(root))
    assert found.locks == [rendered.locks[0] + PROBE_PIN]


PROBE_PIN = "newproj-probe-dependency==1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n"


def test_a_template_without_a_lock_gets_its_requirements_and_build_needs(tmp_path: Path, monkeypatch) -> None:
    """A team template with no requirements.lock is installed editable: its requirements and build backend."""
    from newproj import wheelhouse as wheels

    root = tmp_path / "templates"
    shutil.copytree(REPO / "templates", root)
    (root / "flask-api" / "requirements.lock.jinja").unlink()
    first_variant = next(wheels.answer_variants("flask-api"))
    monkeypatch.setattr(wheels, "answer_variants", lambda template: iter([first_variant]))
    found = wheels.template_needs("flask-api", str(root))
    assert not found.locks
    text = (root / "_shared" / "pyproject.toml").read_text()
    build = tomllib.loads("[build-system]" + text.split("[build-system]")[1].split("[project]")[0])["build-system"][
        "requires"
    ]
    assert set(build) <= found.loose
    assert any(line.startswith("flask-smorest") for line in found.loose)


def test_a_create_from_a_folder_without_wheels_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = newproj("create", str(tmp_path / "shop"), "--defaults", "--wheelhouse", str(empty))
    assert result.returncode == 2
    assert result.stderr == f"Error: {empty} holds no wheels; make it first with: newproj wheelhouse {empty}\n"
    assert not (tmp_path / "shop").exists()


@pytest.mark.e2e
@needs_unshare
@pytest.mark.parametrize("template", TEMPLATES)
def test_workshop_flow_with_no_network_and_empty_caches(wheelhouse: Path, tmp_path: Path, template: str) -> None:
    work = tmp_path / "room"
    work.mkdir()
    caches = {name: tmp_path / name for name in ("home", "uv-cache", "pip-cache")}
    for folder in caches.values():
        folder.mkdir()
    (caches["home"] / ".gitconfig").write_text("[user]\n\tname = Workshop\n\temail = workshop@example.com\n")
    env = {
        "PATH": os.pathsep.join([str(Path(shutil.which("uv") or "/usr/bin/uv").parent), os.defpath, "/usr/sbin"]),
        "HOME": str(caches["home"]),
        "UV_CACHE_DIR": str(caches["uv-cache"]),
        "PIP_CACHE_DIR": str(caches["pip-cache"]),
        "GIT_CONFIG_NOSYSTEM": "1",
        "CI": "true",
        "WORK": str(work),
        "PY": sys.executable,
        "PURPOSE": PURPOSES[template],
        "TEMPLATE": template,
        "SOURCE": str(REPO / "templates"),
        "WHEELHOUSE": str(wheelhouse),
        "PORT": "8765",  # inside its own network namespace, no other server can hold it
    }
    done = subprocess.run(
        ["unshare", "-n", "bash", "-c", OFFLINE_SCRIPT], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout + done.stderr + _log(work / "shop" / "tests.log")
    assert "--offline --no-index --find-links" in done.stderr  # the commands shown before they ran
    assert "--require-hashes -r requirements.lock" in done.stderr
    assert "HEALTH 200" in done.stdout
    if template == "django-fullstack":  # accounts: the first account's command is the next step
        assert "# your first account" in done.stderr and "manage.py createsuperuser" in done.stderr
    if template == "flask-webapp":  # learning brings accounts: the app's own `flask users create`
        assert "# your first account" in done.stderr and "users create workshop@example.com" in done.stderr
    assert " passed" in _log(work / "shop" / "tests.log")


@pytest.mark.e2e
def test_every_lock_of_every_template_installs_from_the_wheelhouse_offline(wheelhouse: Path, tmp_path: Path) -> None:
    """Each answer set's lock (not only the variants rendered) finds its pinned files, hashes matching."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("needs uv (tests/run.sh installs it)")
    subprocess.run([uv, "venv", "-q", str(tmp_path / "venv")], check=True)
    locks = sorted((REPO / "templates" / "_locks").glob("*/*.txt"))
    assert len(locks) >= len(TEMPLATES)
    offline = ["--offline", "--no-index", "--find-links", str(wheelhouse), "--require-hashes", "-r"]
    for lock in locks:
        argv = [uv, "pip", "install", "--dry-run", "--python", str(tmp_path / "venv" / "bin" / "python"), *offline]
        done = subprocess.run(
            [*argv, str(lock)], capture_output=True, text=True, env={**os.environ, "UV_NO_CACHE": "1"}
        )
        assert done.returncode == 0, f"{lock.relative_to(REPO)}: {done.stderr[-600:]}"


def _log(path: Path) -> str:
    return path.read_text() if path.exists() else ""
