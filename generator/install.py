"""Set up a created project (its .venv, dependencies and migrations) and start its development server."""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from newproj import bytecode
from newproj.errors import EXIT_INTERRUPTED, BadInput, InstallFailed, Interrupted, ServerFailed

VENV = ".venv"
PYTHON = f"{VENV}/bin/python"
EDITABLE = ".[dev]"  # a team template without a lock file is installed editable, with its dev extras
LOCK = "requirements.lock"
TAIL = 12
READY_TIMEOUT = 120.0
STOP_GRACE = 10.0
# A first request imports the whole app: on a loaded machine it can take seconds, and that is an answer.
HEALTH_TIMEOUT = 15.0
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
    cpu_seconds: float = 0.0  # user + system time of the step's processes: its cost on an idle machine


@dataclass
class Outcome:
    """What `--install` did: every step run, and on failure what to type to finish."""

    project: Path
    installer: str
    steps: list[StepResult] = field(default_factory=list)
    failed: str | None = None
    detail: list[str] = field(default_factory=list)
    retry: str | None = None
    reused_bytecode: int = 0  # compiled modules copied from an earlier project instead of compiled again
    server: Server | None = None  # the development server, when --run started it while the migrations ran

    @property
    def ok(self) -> bool:
        return self.failed is None

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "installer": self.installer,
            "python": str(self.project / PYTHON),
            "seconds": round(self.seconds, 3),
            "steps": [
                {
                    "name": s.name,
                    "command": s.command,
                    "seconds": round(s.seconds, 3),
                    "cpu_seconds": round(s.cpu_seconds, 3),
                    "exit_code": s.exit_code,
                }
                for s in self.steps
            ],
            "reused_bytecode": self.reused_bytecode,
            "failed_step": self.failed,
            "error": "\n".join(self.detail) or None,
            "retry": self.retry,
        }


def check_flags(install: bool | None, run: bool, dry_run: bool, port: int | None = None) -> None:
    """Refuse flag combinations that cannot work, before anything is written."""
    if run and install is False:
        raise BadInput("--run starts the app in the environment --install makes; drop --no-install")
    if dry_run and (install or run):
        raise BadInput("--dry-run writes nothing, so there is nothing to install or run; drop --install/--run")
    if port is not None and not 1 <= port <= 65535:
        raise BadInput(f"--port {port} is not a TCP port; give a number from 1 to 65535, e.g. --port 8001")


UNTRUSTED_NOTE = (
    "not set up: this template is not newproj's own, and setting up runs its commands; read its README's "
    "Set up and Procfile, then run them yourself (or create again with --install --trust)"
)


def check_trust(source: str | None, install: bool | None, run: bool, trust: bool) -> None:
    """Installing runs a template's code (its build, its Procfile release line): newproj's own, or with --trust."""
    if source is not None and (install or run) and not trust:
        raise BadInput(
            f"--install runs commands from the template at {source} (its build and Procfile release line); "
            "add --trust to allow them (they are shown before they run), or drop --install"
        )


def wanted(install: bool | None, run: bool, interactive: bool, trusted: bool = True) -> bool:
    """--install or --run say yes, --no-install says no; otherwise ask a person (default yes), never a script."""
    if install is not None or run:
        return bool(install) or run
    if not interactive or not trusted:
        return False
    from newproj import prompts

    return prompts.confirm(f"Set it up now (.venv, dependencies with {installer()}, migrations)?", default=True)


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


def _venv_step(tool: str, wheelhouse: Path | None) -> Step:
    if tool == "uv":
        # --seed puts pip in the venv, so the README's pip commands keep working in it;
        # --clear lets the retry command replace a half-made .venv.
        argv: tuple[str, ...] = ("uv", "venv", "--seed", "--clear", "--python", sys.executable, VENV)
        argv += _offline_flags(tool, wheelhouse)
    else:
        argv = (sys.executable, "-m", "venv", "--clear", VENV)
    return Step("venv", f"Creating {VENV} with {tool}", f"Created {VENV} with {tool}", argv, shlex.join(argv))


def _offline_flags(tool: str, wheelhouse: Path | None) -> tuple[str, ...]:
    if wheelhouse is None:
        return ()
    found = str(wheelhouse.absolute())
    return ("--offline", "--no-index", "--find-links", found) if tool == "uv" else ("--no-index", "--find-links", found)


def _deps_step(project: Path, tool: str, wheelhouse: Path | None) -> Step:
    """Install the project's hashed lock as its README does (it runs uninstalled); a lockless template: `-e .[dev]`."""
    if (project / LOCK).is_file():
        wanted: tuple[str, ...] = ("--require-hashes", "-r", LOCK)
        what = f"the locked dependencies ({LOCK})"
    else:
        wanted, what = ("-e", EDITABLE), f"the project ({EDITABLE})"
    # uv writes no bytecode here: each module is compiled once, when first imported (the migrations, the server).
    # Compiling every installed file up front costs about twice the CPU (bench/run.py prints where the time goes).
    deps: tuple[str, ...] = (
        ("uv", "pip", "install", "--python", PYTHON) if tool == "uv" else (PYTHON, "-m", "pip", "install")
    )
    deps += (*wanted, *_offline_flags(tool, wheelhouse))
    doing = f"Installing {what} with {tool}" + (f" from {wheelhouse}" if wheelhouse else "")
    return Step("dependencies", doing, f"Installed {what} with {tool}", deps, shlex.join(deps))


def release_argv(command: str) -> tuple[str, ...]:
    """The Procfile release line as an argument list: it runs without a shell, so no expansion, no chaining."""
    try:
        argv = tuple(shlex.split(command))
    except ValueError as error:
        raise InstallFailed(f"the Procfile's release line cannot be read as a command ({error}): {command}") from error
    if not argv:
        raise InstallFailed("the Procfile's release line is empty")
    return argv


def plan(project: Path, tool: str, wheelhouse: Path | None = None) -> list[Step]:
    """The set-up commands, as the README's Set up does them: venv, the lock, then the release command."""
    steps = [_venv_step(tool, wheelhouse), _deps_step(project, tool, wheelhouse)]
    release = procfile_command(project, "release")
    if release:
        argv = release_argv(release)
        steps.append(
            Step(
                "migrations",
                "Applying migrations",
                "Applied migrations (the Procfile's release command)",
                argv,
                f". {VENV}/bin/activate && {shlex.join(argv)}",
            )
        )
    return steps


def commands(project: Path, tool: str, wheelhouse: Path | None = None) -> list[str]:
    """What --install will run, as a person would type it (shown before a trusted template's commands run)."""
    return [step.typed for step in plan(project, tool, wheelhouse)]


def venv_env(project: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a shell with the project's .venv activated."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    venv = project / VENV
    env.update(
        VIRTUAL_ENV=str(venv),
        PATH=os.pathsep.join([str(venv / "bin"), env.get("PATH", os.defpath)]),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        # Django's runserver prints its address on stdout, which a pipe would hold back in a buffer.
        PYTHONUNBUFFERED="1",
    )
    return {**env, **(extra or {})}


def retry_command(project: Path, steps: list[Step]) -> str:
    return " && ".join([f"cd {shlex.quote(str(project))}", *(s.typed for s in steps)])


def _fallback_venv() -> Step:
    argv = (sys.executable, "-m", "venv", "--clear", VENV)
    doing, done = f"Creating {VENV} with python -m venv", f"Created {VENV} with python -m venv"
    return Step("venv", doing, done, argv, shlex.join(argv))


def set_up(
    project: Path, wheelhouse: Path | None = None, show: bool = False, run: bool = False, port: int | None = None
) -> Outcome:
    """Create .venv, install the locked dependencies, apply migrations; report, never raise on failure.

    With run, the development server starts as the migrations begin: importing the app takes it
    about as long as the migrations take, and the two share the machine's cores. Its output is
    held back, and nothing is asked of it, until the migrations have ended; if they fail, it is stopped.
    """
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    tool = installer()
    steps = plan(project, tool, wheelhouse)
    outcome = Outcome(project, tool)
    console = Console(stderr=True, highlight=False)
    if show:
        console.print("Running the template's set-up commands (allowed by --trust):", markup=False)
        for step in steps:
            console.print(f"  {step.typed}", markup=False)
    # Plain text: tool output such as "[alembic.runtime.migration]" is not rich markup.
    columns = (SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            _run_steps(project, steps, outcome, progress, console, run, port)
    except BaseException:
        outcome.stop_server()
        raise
    if not outcome.ok:
        outcome.stop_server()
    else:
        bytecode.keep_in_background(project / VENV)
    return outcome


def _run_steps(
    project: Path, steps: list[Step], outcome: Outcome, progress: Any, console: Any, run: bool, port: int | None
) -> None:
    tool = outcome.installer
    for index, step in enumerate(steps):
        if run and step.name == "migrations":
            doing = f"Starting the development server while the migrations run: {run_command(project)}"
            console.print(doing, markup=False, soft_wrap=True)
            outcome.server = start_server(project, port, hold=True)
        result, tail = _interruptible(project, step, progress, steps[index:])
        if result.exit_code != 0 and step.name == "venv" and tool == "uv":
            # Offline, uv cannot fetch the seed packages; the standard library's venv brings its own pip.
            console.print(f"[yellow]![/] {step.doing} failed; trying python -m venv")
            step = _fallback_venv()
            result, tail = _interruptible(project, step, progress, [step, *steps[index + 1 :]])
        outcome.steps.append(result)
        if result.exit_code != 0:
            outcome.failed, outcome.detail = step.name, tail
            outcome.retry = retry_command(project, steps[index:])
            console.print(f"[red]x[/] {step.doing} failed (exit {result.exit_code})")
            return
        console.print(f"[green]✓[/] {step.done} ({result.seconds:.1f} s)")
        if step.name == "dependencies":
            outcome.reused_bytecode = bytecode.reuse(project / VENV)


def _interruptible(project: Path, step: Step, progress: Any, left: list[Step]) -> tuple[StepResult, list[str]]:
    try:
        return _run_step(project, step, progress)
    except KeyboardInterrupt as error:
        raise Interrupted(
            f"interrupted while {step.doing[0].lower()}{step.doing[1:]}; the project is in "
            f"{project}; finish setting it up with:\n  {retry_command(project, left)}"
        ) from error


def _run_step(project: Path, step: Step, progress: Any) -> tuple[StepResult, list[str]]:
    task = progress.add_task(step.doing, total=None)
    tail: deque[str] = deque(maxlen=TAIL)
    start, cpu = time.monotonic(), _children_cpu()
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
    return StepResult(step.name, step.typed, time.monotonic() - start, code, _children_cpu() - cpu), list(tail)


def _children_cpu() -> float:
    """CPU seconds of every finished child process so far (a step's own children included once it is waited for)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


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


def chosen_port(port: int | None) -> int | None:
    """--port, else a valid PORT from the environment, else None (the server's own default)."""
    if port is not None:
        return port
    value = os.environ.get("PORT", "")
    return int(value) if value.isdigit() and 0 < int(value) < 65536 else None


def port_env(port: int | None) -> dict[str, str]:
    """The variables the templates' development servers read their port from (PORT, Flask's FLASK_RUN_PORT)."""
    return {} if port is None else {"PORT": str(port), "FLASK_RUN_PORT": str(port)}


def check_port_free(port: int | None) -> None:
    """Refuse a port something already listens on, before anything is written."""
    if port is None:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise BadInput(f"port {port} is in use ({error.strerror}); choose another with --port") from error


@dataclass
class Server:
    """A development server started in its own session, and the thread reading its output."""

    proc: subprocess.Popen[str]
    reader: _Reader

    def stop(self) -> None:
        _stop_group(self.proc)
        self.reader.join(STOP_GRACE)


def start_server(project: Path, port: int | None = None, hold: bool = False) -> Server:
    """Start the README's Run command in its own session; with hold, keep its output back until `show`."""
    with _ctrl_c_stops():  # the server must not inherit an ignored SIGINT
        proc = subprocess.Popen(
            ["bash", "-c", run_command(project)],
            cwd=project,
            env=venv_env(project, port_env(port)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    reader = _Reader(proc, hold)
    reader.start()
    return Server(proc, reader)


def serve(project: Path, err: bool = False, port: int | None = None, server: Server | None = None) -> int:
    """Start the development server (or take the one started during the set-up), print its URL once /health
    answers, and stop it on Ctrl-C."""
    echo = _echo(err)
    with _ctrl_c_stops():
        if server is None:
            echo(f"Starting the development server: {run_command(project)}")
            server = start_server(project, port)
        proc, reader = server.proc, server.reader
        try:
            url, status = _wait_ready(proc, reader)
            reader.show()
            bytecode.keep_in_background(project / VENV)  # what the server imported beyond the migrations
            echo(f"Serving at {url}/ (GET /health answered {status}); press Ctrl-C to stop.")
            code = proc.wait()
        except KeyboardInterrupt:
            server.stop()
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


# Django's development server checks for unapplied migrations as it starts: started while they
# were being applied, it reports them, and by the time its output is shown that is no longer true.
STALE = re.compile(r"^You have \d+ unapplied migration|^Run 'python manage\.py migrate' to apply them")


class _Reader(threading.Thread):
    """Copies the server's output to stderr (held back until `show` when asked) and notes the first URL it prints."""

    def __init__(self, proc: subprocess.Popen[str], hold: bool = False) -> None:
        super().__init__(daemon=True)
        self.proc = proc
        self.url: str | None = None
        self.found = threading.Event()
        self.tail: deque[str] = deque(maxlen=TAIL)
        self.held: list[str] | None = [] if hold else None
        self.lock = threading.Lock()

    def run(self) -> None:
        for line in _lines(self.proc.stdout):
            self.tail.append(line)
            with self.lock:
                if self.held is not None:
                    self.held.append(line)
                else:
                    _write_err(line)
            match = URL.search(line)
            if match and self.url is None:
                scheme, host, port = match.groups()
                self.url = f"{scheme}://{WILDCARDS.get(host, host)}:{port}"
                self.found.set()
        self.found.set()

    def show(self) -> None:
        """Print what was held back (but a start-up report the migrations have since made untrue), then go live."""
        with self.lock:
            for line in self.held or ():
                if not STALE.search(line):
                    _write_err(line)
            self.held = None

    def tail_text(self) -> str:
        return "\n".join(f"  {line}" for line in self.tail) or "  (no output)"


def _write_err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


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
        with urllib.request.urlopen(f"{url}/health", timeout=HEALTH_TIMEOUT) as reply:  # noqa: S310 - the server we started
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


@dataclass(frozen=True)
class Account:
    """How to make the first account with the app's own CLI: the commands, and the name they are made for.

    `login` (an e-mail address or a user name, asked at the prompt with `default` offered) replaces
    {login} in each command; the password is asked by the command itself, never put on a command line.
    """

    commands: tuple[tuple[str, ...], ...]
    login: str | None = None
    default: str = ""

    def argvs(self, login: str | None = None) -> list[tuple[str, ...]]:
        value = login or self.default
        return [tuple(value if arg == "{login}" else arg for arg in argv) for argv in self.commands]

    def typed(self, login: str | None = None) -> str:
        return "\n".join(shlex.join(argv) for argv in self.argvs(login))


def account_command(project: Path, data: Mapping[str, Any]) -> Account | None:
    """The first account: Django's createsuperuser, the Flask app's `flask users` commands, or None."""
    if data.get("accounts", "none") == "none" and data.get("admin", "no") == "no":
        return None
    if (project / "manage.py").is_file():
        return Account(((PYTHON, "manage.py", "createsuperuser"),))
    package = str(data.get("package_name", ""))
    found = _flask_user_commands(project / package) if package else set()
    flask = (f"{VENV}/bin/flask", "--app", package, "users")
    if "create-staff" in found:  # flask-webapp with an admin: a staff account signs in and opens /admin/
        return Account(((*flask, "create-staff", "{login}"),), "E-mail", str(data.get("author_email", "")))
    if "create" not in found:  # no local accounts (signing in is at an OpenID provider)
        return None
    if "grant-role" in found:  # flask-webapp with roles: the first account manages
        made = ((*flask, "create", "{login}"), (*flask, "grant-role", "{login}", "manager"))
        return Account(made, "E-mail", str(data.get("author_email", "")))
    if data.get("template") == "flask-api":  # API users sign in by name; the first one is an admin
        role = ("--role", "admin") if data.get("accounts") == "roles" else ()
        name = str(data.get("author_email", "admin@")).split("@")[0] or "admin"
        return Account(((*flask, "create", "{login}", *role),), "User name", name)
    return Account(((*flask, "create", "{login}"),), "E-mail", str(data.get("author_email", "")))


def _flask_user_commands(package: Path) -> set[str]:
    """The `flask users` sub-commands the app defines (read from its code: the project is not imported)."""
    if not package.is_dir():
        return set()
    code = "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in package.rglob("*.py"))
    return set(re.findall(r'\.command\("([\w-]+)"\)', code))


def create_account(project: Path, account: Account, login: str | None = None) -> int:
    """Run the first-account commands attached to the person's terminal; the first non-zero exit code, or 0."""
    for argv in account.argvs(login):
        try:
            code = subprocess.run(argv, cwd=project, env=venv_env(project), check=False).returncode
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        if code != 0:
            return code
    return 0


def _login_problem(value: str) -> str | None:
    return None if value.strip() and not value.startswith("-") else "give a name that does not start with -"


@dataclass(frozen=True)
class Wanted:
    """What the person asked of the set-up: the flags of `create` that concern it."""

    install: bool | None = None
    run: bool = False
    port: int | None = None
    wheelhouse: Path | None = None
    trust: bool = False
    source: str | None = None

    @property
    def trusted(self) -> bool:
        return self.source is None or self.trust


def check_wanted(wanted_: Wanted, dry_run: bool) -> Wanted:
    """Refuse what cannot work before anything is written; --wheelhouse means --install."""
    check_flags(wanted_.install, wanted_.run, dry_run, wanted_.port)
    if wanted_.wheelhouse is not None:
        if wanted_.install is False:
            raise BadInput("--wheelhouse is where --install finds the packages; drop --no-install")
        check_wheelhouse(wanted_.wheelhouse)
    install = True if wanted_.wheelhouse is not None and not dry_run else wanted_.install
    check_trust(wanted_.source, install, wanted_.run, wanted_.trust)
    port = chosen_port(wanted_.port)
    if wanted_.run:
        check_port_free(port)
    return Wanted(install, wanted_.run, port, wanted_.wheelhouse, wanted_.trust, wanted_.source)


def check_wheelhouse(folder: Path) -> None:
    """A wheelhouse is a folder of wheels (made by `newproj wheelhouse`)."""
    if not folder.is_dir() or not any(folder.glob("*.whl")):
        raise BadInput(f"{folder} holds no wheels; make it first with: newproj wheelhouse {shlex.quote(str(folder))}")


def next_steps(steps: list[str], outcome: Outcome, account: Account | None) -> list[str]:
    """The next steps once set up: no set-up block, and the first account's command before running."""
    left = steps_left(steps, outcome)
    if account and outcome.ok:
        asks = "a password" if account.login else "a name and a password"
        left.insert(1, f"# your first account (asks for {asks})\n{account.typed()}")
    return left


def first_run(
    project: Path, account: Account | None, wanted_: Wanted, interactive: bool, err: bool, server: Server | None = None
) -> None:
    """At a terminal: offer the first account, then to start the app; with --run: start it."""
    from newproj import prompts

    if interactive and account and prompts.confirm("Create your first account now?", default=True):
        login = None
        if account.login:
            from newproj.create import email_problem

            problem = email_problem if account.login == "E-mail" else _login_problem
            login = prompts.text(f"{account.login} for your first account", account.default, problem)
        if create_account(project, account, login) != 0:
            _echo(err)(f"No account was created; run it later in {project}:\n{account.typed(login)}")
    start = wanted_.run or (interactive and prompts.confirm("Start it now?", default=True))
    if start:
        serve(project, err=err, port=wanted_.port, server=server)
    elif server is not None:
        server.stop()
