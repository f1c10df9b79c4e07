"""Set up a created project (its .venv, dependencies and migrations) and start its development server."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from newproj.errors import BadInput, InstallFailed, Interrupted, ServerFailed

VENV = ".venv"
PYTHON = f"{VENV}/bin/python"
EDITABLE = ".[dev]"
TAIL = 12
READY_TIMEOUT = 60.0
STOP_GRACE = 10.0
# The first address a development server prints: werkzeug's "Running on http://127.0.0.1:5000",
# Django's "Starting development server at http://127.0.0.1:8000/", gunicorn's "Listening at: ...".
URL = re.compile(r"(https?)://(\[[0-9a-fA-F:]+\]|[\w.-]+):(\d+)")
WILDCARDS = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]"}  # noqa: S104 - mapped to loopback, never bound


@dataclass(frozen=True)
class Step:
    """One set-up command: what it does, how it runs, and how a person types it."""

    name: str
    doing: str
    done: str
    argv: tuple[str, ...]
    typed: str


@dataclass
class StepResult:
    name: str
    command: str
    seconds: float
    exit_code: int


@dataclass
class Outcome:
    """What `--install` did: every step run, and on failure what to type to finish."""

    project: Path
    installer: str
    steps: list[StepResult] = field(default_factory=list)
    failed: str | None = None
    detail: list[str] = field(default_factory=list)
    retry: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed is None

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "installer": self.installer,
            "python": str(self.project / PYTHON),
            "seconds": round(self.seconds, 3),
            "steps": [
                {"name": s.name, "command": s.command, "seconds": round(s.seconds, 3), "exit_code": s.exit_code}
                for s in self.steps
            ],
            "failed_step": self.failed,
            "error": "\n".join(self.detail) or None,
            "retry": self.retry,
        }


def check_flags(install: bool | None, run: bool, dry_run: bool) -> None:
    """Refuse flag combinations that cannot work, before anything is written."""
    if run and install is False:
        raise BadInput("--run starts the app in the environment --install makes; drop --no-install")
    if dry_run and (install or run):
        raise BadInput("--dry-run writes nothing, so there is nothing to install or run; drop --install/--run")


def wanted(install: bool | None, run: bool, interactive: bool) -> bool:
    """--install or --run say yes, --no-install says no; otherwise ask a person (default yes), never a script."""
    if install is not None or run:
        return bool(install) or run
    if not interactive:
        return False
    from newproj import prompts

    return (
        prompts.choose(
            "Set it up now (.venv, dependencies, migrations)?",
            [
                (f"Yes: create .venv, install with {installer()}, apply migrations", "yes"),
                ("No: I will run the README's Set up myself", "no"),
            ],
        )
        == "yes"
    )


def installer() -> str:
    """uv when it is on PATH (ten times faster), pip otherwise."""
    return "uv" if shutil.which("uv") else "pip"


def procfile_command(project: Path, process: str) -> str | None:
    """The command of one Procfile process type, or None."""
    procfile = project / "Procfile"
    if not procfile.exists():
        return None
    for line in procfile.read_text(encoding="utf-8").splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == process and command.strip():
            return command.strip()
    return None


def plan(project: Path, tool: str) -> list[Step]:
    """The set-up commands, as the README's Set up does them: venv, `-e .[dev]`, then the release command."""
    venv: tuple[str, ...]
    deps: tuple[str, ...]
    if tool == "uv":
        # --seed puts pip in the venv, so the README's pip commands keep working in it;
        # --clear lets the retry command replace a half-made .venv.
        venv = ("uv", "venv", "--seed", "--clear", "--python", sys.executable, VENV)
        deps = ("uv", "pip", "install", "--python", PYTHON, "-e", EDITABLE)
    else:
        venv = (sys.executable, "-m", "venv", "--clear", VENV)
        deps = (PYTHON, "-m", "pip", "install", "-e", EDITABLE)
    steps = [
        Step("venv", f"Creating {VENV} with {tool}", f"Created {VENV} with {tool}", venv, shlex.join(venv)),
        Step(
            "dependencies",
            f"Installing dependencies with {tool}",
            f"Installed dependencies with {tool}",
            deps,
            shlex.join(deps),
        ),
    ]
    release = procfile_command(project, "release")
    if release:
        steps.append(
            Step(
                "migrations",
                "Applying migrations",
                "Applied migrations (the Procfile's release command)",
                ("bash", "-c", release),
                f". {VENV}/bin/activate && {release}",
            )
        )
    return steps


def venv_env(project: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a shell with the project's .venv activated."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    venv = project / VENV
    env.update(
        VIRTUAL_ENV=str(venv),
        PATH=os.pathsep.join([str(venv / "bin"), env.get("PATH", os.defpath)]),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return {**env, **(extra or {})}


def retry_command(project: Path, steps: list[Step]) -> str:
    return " && ".join([f"cd {shlex.quote(str(project))}", *(s.typed for s in steps)])


def set_up(project: Path) -> Outcome:
    """Create .venv, install the project with its dev extras, apply migrations; report, never raise on failure."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    tool = installer()
    steps = plan(project, tool)
    outcome = Outcome(project, tool)
    console = Console(stderr=True, highlight=False)
    # Plain text: tool output such as "[alembic.runtime.migration]" is not rich markup.
    columns = (SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        for index, step in enumerate(steps):
            try:
                result, tail = _run_step(project, step, progress)
            except KeyboardInterrupt as error:
                raise Interrupted(
                    f"interrupted while {step.doing[0].lower()}{step.doing[1:]}; the project is in "
                    f"{project}; finish setting it up with:\n  {retry_command(project, steps[index:])}"
                ) from error
            outcome.steps.append(result)
            if result.exit_code != 0:
                outcome.failed, outcome.detail = step.name, tail
                outcome.retry = retry_command(project, steps[index:])
                console.print(f"[red]x[/] {step.doing} failed (exit {result.exit_code})")
                break
            console.print(f"[green]✓[/] {step.done} ({result.seconds:.1f} s)")
    return outcome


def _run_step(project: Path, step: Step, progress: Any) -> tuple[StepResult, list[str]]:
    task = progress.add_task(step.doing, total=None)
    tail: deque[str] = deque(maxlen=TAIL)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            step.argv,
            cwd=project,
            env=venv_env(project),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as error:
        return StepResult(step.name, step.typed, time.monotonic() - start, 127), [str(error)]
    try:
        for line in _lines(proc.stdout):
            tail.append(line)
            progress.update(task, description=f"{step.doing}: {line[:70]}")
        code = proc.wait()
    except KeyboardInterrupt:
        _terminate(proc)
        raise
    finally:
        progress.remove_task(task)
    return StepResult(step.name, step.typed, time.monotonic() - start, code), list(tail)


def _lines(stream: IO[str] | None) -> Iterator[str]:
    for raw in stream or ():
        line = raw.rstrip()
        if line.strip():
            yield line


def _terminate(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(STOP_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def failure_message(outcome: Outcome) -> str:
    """What failed, its last lines of output, and the exact command that finishes the set-up."""
    step = next(s for s in outcome.steps if s.name == outcome.failed)
    shown = "\n".join(f"  {line}" for line in outcome.detail) or "  (no output)"
    return (
        f"the project is in {outcome.project}, but setting it up failed: `{step.command}` "
        f"exited with {step.exit_code}:\n{shown}\nRetry with:\n  {outcome.retry}"
    )


def check(outcome: Outcome) -> None:
    """Raise InstallFailed (exit 3) with the retry command if a set-up step failed."""
    if not outcome.ok:
        raise InstallFailed(failure_message(outcome))


def steps_left(next_steps: list[str], outcome: Outcome) -> list[str]:
    """The next steps, without the README's set-up once --install has done it."""
    return [s for s in next_steps if not (outcome.ok and s.startswith("# set up"))]


def run_command(project: Path) -> str:
    """The README's `## Run` command (the development server), else the Procfile's web command."""
    from newproj.create import readme_commands

    command = readme_commands(project, "Run") or procfile_command(project, "web")
    if not command:
        raise ServerFailed(f"{project} has neither a '## Run' command in README.md nor a 'web:' line in its Procfile")
    return command


def serve(project: Path, err: bool = False) -> int:
    """Start the development server, print its URL once /health answers, and stop it on Ctrl-C."""
    command = run_command(project)
    echo = _echo(err)
    echo(f"Starting the development server: {command}")
    with _ctrl_c_stops():
        proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=project,
            env=venv_env(project),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        reader = _Reader(proc)
        reader.start()
        try:
            url, status = _wait_ready(proc, reader)
            echo(f"Serving at {url}/ (GET /health answered {status}); press Ctrl-C to stop.")
            code = proc.wait()
        except KeyboardInterrupt:
            _stop_group(proc)
            reader.join(STOP_GRACE)
            echo("Stopped the development server.")
            return 0
    reader.join(STOP_GRACE)
    raise ServerFailed(f"the development server stopped by itself (exit {code}):\n" + reader.tail_text())


def _echo(err: bool) -> Any:
    import click

    return lambda text: click.echo(text, err=err)


@contextlib.contextmanager
def _ctrl_c_stops() -> Iterator[None]:
    """Ctrl-C (SIGINT) and a closed terminal (SIGHUP) raise KeyboardInterrupt while the server runs.

    SIGINT gets Python's handler even when newproj was started with it ignored (a background job
    of a script): a handled signal is reset to its default in the server, which then stops on it too.
    The server has its own session, so a hang-up would not reach it.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {
        sig: signal.signal(sig, handler)
        for sig, handler in ((signal.SIGINT, signal.default_int_handler), (signal.SIGHUP, interrupt))
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Reader(threading.Thread):
    """Copies the server's output to stderr and notes the first URL it prints."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        super().__init__(daemon=True)
        self.proc = proc
        self.url: str | None = None
        self.found = threading.Event()
        self.tail: deque[str] = deque(maxlen=TAIL)

    def run(self) -> None:
        for line in _lines(self.proc.stdout):
            self.tail.append(line)
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
            match = URL.search(line)
            if match and self.url is None:
                scheme, host, port = match.groups()
                self.url = f"{scheme}://{WILDCARDS.get(host, host)}:{port}"
                self.found.set()
        self.found.set()

    def tail_text(self) -> str:
        return "\n".join(f"  {line}" for line in self.tail) or "  (no output)"


def _wait_ready(proc: subprocess.Popen[str], reader: _Reader) -> tuple[str, int]:
    deadline = time.monotonic() + READY_TIMEOUT
    reader.found.wait(READY_TIMEOUT)
    while time.monotonic() < deadline and proc.poll() is None:
        status = _health_status(reader.url) if reader.url else None
        if status is not None:
            return str(reader.url), status
        time.sleep(0.05)
    _stop_group(proc)
    reader.join(STOP_GRACE)
    if reader.url is None:
        raise ServerFailed(
            "the development server printed no http://HOST:PORT address; its output:\n" + reader.tail_text()
        )
    raise ServerFailed(
        f"the development server never answered at {reader.url}/health; its output:\n" + reader.tail_text()
    )


def _health_status(url: str) -> int | None:
    """The HTTP status of GET url/health, or None while nothing answers."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:  # noqa: S310 - the server we started
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (OSError, ValueError):
        return None


def _stop_group(proc: subprocess.Popen[str]) -> None:
    """SIGINT the server's process group (what Ctrl-C does), then SIGTERM and SIGKILL if any of it lingers."""
    for sig, grace in ((signal.SIGINT, STOP_GRACE), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        if not _group_alive(proc):
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        deadline = time.monotonic() + grace
        while _group_alive(proc) and time.monotonic() < deadline:
            time.sleep(0.05)


def _group_alive(proc: subprocess.Popen[str]) -> bool:
    """True while the server or any process it started (a reloader's child, say) is running."""
    if proc.poll() is None:
        return True
    try:
        os.killpg(proc.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
