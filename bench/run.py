"""Measure newproj side by side with its baselines on this machine; print a markdown table.

    .venv/bin/python bench/run.py            # the full run (a few minutes)
    .venv/bin/python bench/run.py --quick    # one repetition each, one second of load

Every row is a median of repeated runs, measured in this one process on this machine:
  1. `newproj --help` against `python -c "import click"`;
  2. `newproj create --defaults --no-git` against `copier copy --defaults` with the same answers;
  3. `newproj create --install --run` until the started app's /health first answers 200;
  4. the generated app under gunicorn (its Procfile `web:` command) against a one-route app of the
     same framework, and against a hand-written app doing the same work as its /health (SELECT 1
     on the same DATABASE_URL, the same security headers), each with the same gunicorn.conf.py
     and workers: /health throughput, cold start, resident memory per worker; load only on
     127.0.0.1 and bounded in time;
  5. the generated project's own tests (its README `## Tests` block), then its pytest suite alone
     for the default answers and for the richest answer set (wall time; CPU time in the notes).
Progress goes to stderr, the table to stdout. The exit status is 1 if any measurement failed.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "templates"
BIN = Path(sys.executable).parent
TEMPLATES = ("flask-api", "flask-webapp", "django-fullstack")
FRAMEWORK = {"flask-api": "flask", "flask-webapp": "flask", "django-fullstack": "django"}
WORKERS = "2"
URL = re.compile(r"(https?)://(\[[0-9a-fA-F:]+\]|[\w.-]+):(\d+)")
LOCAL = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]", "localhost": "127.0.0.1"}  # noqa: S104 - never bound


@dataclass(frozen=True)
class Plan:
    """How many times each thing is measured, and for how long load runs."""

    help_runs: int
    create_runs: int
    first_200_runs: int
    warm_up: bool
    load_seconds: int
    load_runs: int
    cold_runs: int
    test_runs: int


FULL = Plan(
    help_runs=15, create_runs=5, first_200_runs=3, warm_up=True, load_seconds=5, load_runs=3, cold_runs=5, test_runs=3
)
QUICK = Plan(
    help_runs=3, create_runs=1, first_200_runs=1, warm_up=False, load_seconds=1, load_runs=1, cold_runs=1, test_runs=1
)


@dataclass
class Row:
    """One line of the table: a measurement, its baseline, and the issue's target."""

    item: int
    what: str
    value: str = ""
    baseline: str = "—"
    ratio: str = "—"
    target: str = ""
    met: str = ""


class Failed(Exception):
    """A measurement could not be taken; its row says why."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a person's shell: no CI, no active venv, bytecode caches written as usual."""
    drop = ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "CI")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return {**env, **(extra or {})}


def venv_env(project: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = base_env(extra)
    env["PATH"] = os.pathsep.join([str(project / ".venv" / "bin"), env.get("PATH", os.defpath)])
    env["VIRTUAL_ENV"] = str(project / ".venv")
    return env


def run(argv: list[str], cwd: Path | None = None, env: Mapping[str, str] | None = None, timeout: float = 300) -> float:
    """Run a command to completion; return its wall time in seconds, or raise Failed with its output."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=dict(env or base_env()),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise Failed(f"{argv[0]} took over {timeout:.0f} s") from error
    took = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise Failed(f"{Path(argv[0]).name} exited {done.returncode}: {' / '.join(tail)}")
    return took


def median(values: list[float]) -> float:
    return statistics.median(values)


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def times(value: float) -> str:
    return f"{value:.2f}x"


def verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def health_status(base: str, timeout: float = 1.0) -> int | None:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=timeout) as reply:  # noqa: S310 - loopback only
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (OSError, ValueError):
        return None


def procfile(project: Path, process: str) -> str:
    for line in (project / "Procfile").read_text(encoding="utf-8").splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == process:
            return command.strip()
    raise Failed(f"the Procfile has no {process}: line")


def readme_block(project: Path, heading: str) -> str:
    text = (project / "README.md").read_text(encoding="utf-8")
    match = re.search(
        rf"^## {re.escape(heading)}\s*$.*?^```(?:bash|sh)?\s*$\n(.*?)^```\s*$", text, flags=re.MULTILINE | re.DOTALL
    )
    if match is None:
        raise Failed(f"README.md has no bash block under ## {heading}")
    return match.group(1)


# 1. newproj --help --------------------------------------------------------------------------


def bench_help(plan: Plan) -> Row:
    row = Row(1, '`newproj --help` vs `python -c "import click"`', target="≤ 1.5x")
    newproj_cmd = [str(BIN / "newproj"), "--help"]
    click_cmd = [sys.executable, "-c", "import click"]
    for _ in range(2):  # write bytecode caches; a person runs newproj more than once
        run(newproj_cmd)
        run(click_cmd)
    ours, theirs = [], []
    for _ in range(plan.help_runs):
        ours.append(run(newproj_cmd))
        theirs.append(run(click_cmd))
    return fill(row, median(ours), median(theirs), 1.5, seconds)


def fill(
    row: Row, ours: float, theirs: float, limit: float, show: Callable[[float], str], higher_is_better: bool = False
) -> Row:
    ratio = ours / theirs
    row.value, row.baseline, row.ratio = show(ours), show(theirs), times(ratio)
    row.met = verdict(ratio >= limit if higher_is_better else ratio <= limit)
    return row


# 2. create vs copier copy -------------------------------------------------------------------


def create_args(dest: Path, template: str, *extra: str) -> list[str]:
    return [
        str(BIN / "newproj"),
        "create",
        str(dest),
        "--defaults",
        "--template",
        template,
        "--source",
        str(SOURCE),
        "--trust",
        *extra,
    ]


def bench_render(template: str, plan: Plan, scratch: Path) -> Row:
    row = Row(2, f"{template}: `newproj create --defaults --no-git` vs `copier copy --defaults`", target="≤ 1.2x")
    answers = scratch / f"answers-{template}.yml"
    probe = scratch / f"probe-{template}"
    run(create_args(probe, template, "--no-git"), env=base_env({"CI": "true"}))
    recorded = yaml.safe_load((probe / ".copier-answers.yml").read_text(encoding="utf-8"))
    answers.write_text(yaml.safe_dump({k: v for k, v in recorded.items() if not k.startswith("_")}), encoding="utf-8")
    ours, theirs = [], []
    for index in range(plan.create_runs):
        ours.append(
            run(create_args(scratch / f"n-{template}-{index}", template, "--no-git"), env=base_env({"CI": "true"}))
        )
        theirs.append(
            run(
                [
                    str(BIN / "copier"),
                    "copy",
                    "--quiet",
                    "--defaults",
                    "--data-file",
                    str(answers),
                    str(SOURCE),
                    str(scratch / f"c-{template}-{index}"),
                ]
            )
        )
    return fill(row, median(ours), median(theirs), 1.2, seconds)


# 3. create --install --run until the first 200 ---------------------------------------------


class Watch(threading.Thread):
    """Drains one output stream of `newproj create --json --run` and notes what the bench needs from it."""

    def __init__(self, stream: IO[str] | None) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: list[str] = []
        self.url: str | None = None  # the first address the development server prints
        self.report: dict[str, Any] | None = None  # newproj's JSON, once it is complete
        self.report_at = 0.0

    def run(self) -> None:
        server_started = False
        for line in self.stream or ():
            self.lines.append(line.rstrip())
            if line.rstrip() == "}" and self.report is None:
                with contextlib.suppress(json.JSONDecodeError):
                    self.report, self.report_at = json.loads("\n".join(self.lines)), time.perf_counter()
            # Only what the server prints counts: newproj's next steps may quote addresses too.
            server_started = server_started or line.startswith("Starting the development server")
            match = URL.search(line) if server_started else None
            if match and self.url is None:
                scheme, host, port = match.groups()
                self.url = f"{scheme}://{LOCAL.get(host, host)}:{port}"


def stop_group(proc: subprocess.Popen[str], first: int = signal.SIGTERM) -> int:
    """Signal the process group, escalating to SIGKILL; return the leader's exit status."""
    for sig, grace in ((first, 20.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            return proc.wait(grace)
    return proc.wait()


@dataclass(frozen=True)
class Headline:
    """One `create --install --run`: the total, where the time went, and the CPU time it used."""

    total: float
    parts: dict[str, float]
    exit_code: int
    cpu_parts: dict[str, float] = field(default_factory=dict)
    cpu_total: float = 0.0


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes of this bench, their own children included."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def cpu_breakdown(out: Watch) -> dict[str, float]:
    """The CPU seconds of each set-up step, from newproj's JSON: what the step costs on an idle machine."""
    if out.report is None or not out.report.get("install"):
        return {}
    return {step["name"]: float(step.get("cpu_seconds", 0.0)) for step in out.report["install"]["steps"]}


def headline_note(template: str, middle: Headline) -> str:
    """Where the median run's time went: wall time of each part, CPU time of each set-up step and of the whole run."""
    parts = []
    for name, took in middle.parts.items():
        cpu = middle.cpu_parts.get(name)
        parts.append(f"{name} {seconds(took)}" + (f" ({seconds(cpu)} CPU)" if cpu is not None else ""))
    return (
        f"Row 3, {template} (the median run): {', '.join(parts)}; "
        f"{seconds(middle.cpu_total)} CPU in all, load average {load_average()}."
    )


def first_200(dest: Path, template: str) -> Headline:
    """Start `newproj create --install --run`, poll /health until it answers 200, then press Ctrl-C."""
    port = free_port()
    env = base_env({"CI": "true", "PORT": str(port), "FLASK_RUN_PORT": str(port)})
    start, cpu = time.perf_counter(), children_cpu()
    proc = subprocess.Popen(
        create_args(dest, template, "--run", "--json"),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    out, err = Watch(proc.stdout), Watch(proc.stderr)
    out.start()
    err.start()
    try:
        # The server starts while the migrations run: only a 200 after newproj's own set-up has ended counts.
        took = poll_200(proc, lambda: err.url or f"http://127.0.0.1:{port}", start, err.lines, lambda: out.report)
        code = stop_group(proc, signal.SIGINT)
    finally:
        if proc.poll() is None:
            stop_group(proc)
        out.join(10)
        err.join(10)
    return Headline(took, breakdown(out, start, took), code, cpu_breakdown(out), children_cpu() - cpu)


def poll_200(
    proc: subprocess.Popen[str], url: Callable[[], str], start: float, lines: list[str], set_up: Callable[[], Any]
) -> float:
    deadline = start + 180
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise Failed(f"newproj exited {proc.returncode}: {' / '.join(lines[-3:])}")
        if set_up() and health_status(url(), timeout=0.5) == 200:
            return time.perf_counter() - start
        time.sleep(0.02)
    raise Failed("no 200 from /health within 180 s")


def breakdown(out: Watch, start: float, total: float) -> dict[str, float]:
    """Rendering and git, each set-up step (from newproj's JSON), then the server's start."""
    if out.report is None or not out.report.get("install"):
        return {}
    steps = {step["name"]: float(step["seconds"]) for step in out.report["install"]["steps"]}
    set_up = out.report_at - start
    return {"render + git": set_up - sum(steps.values()), **steps, "server start": total - set_up}


def bench_first_200(template: str, plan: Plan, scratch: Path, notes: list[str]) -> tuple[Row, Path]:
    row = Row(3, f"{template}: `newproj create --install --run` to the first 200 from /health", target="< 3 s")
    if plan.warm_up:
        first_200(scratch / f"warm-{template}", template)
    runs = [first_200(scratch / f"run-{template}-{i}", template) for i in range(plan.first_200_runs)]
    codes = {run.exit_code for run in runs} - {0}
    if codes:
        raise Failed(f"newproj exited {', '.join(map(str, sorted(codes)))} on Ctrl-C instead of 0")
    value = median([run.total for run in runs])
    row.value, row.met = seconds(value), verdict(value < 3)
    middle = sorted(runs, key=lambda run: run.total)[len(runs) // 2]
    if middle.parts:
        notes.append(headline_note(template, middle))
    return row, scratch / f"run-{template}-{plan.first_200_runs - 1}"


# 4. gunicorn: throughput, cold start, memory -------------------------------------------------

MINIMAL_FLASK = """from flask import Flask

app = Flask(__name__)


@app.get("/health")
def health():
    return {"status": "ok"}
"""

MINIMAL_DJANGO = """from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark-only",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
)


def health(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [path("health", health)]
app = get_wsgi_application()
"""


@dataclass(frozen=True)
class Server:
    """A gunicorn command and the folder it runs in, with the project's venv on PATH."""

    label: str
    folder: Path
    command: str
    project: Path
    env: Mapping[str, str] = field(default_factory=dict)


def servers(project: Path, template: str, scratch: Path) -> tuple[Server, Server]:
    """The generated app (Procfile `web:`) and a one-route app with a copy of the same gunicorn.conf.py."""
    minimal = scratch / f"minimal-{template}"
    minimal.mkdir(exist_ok=True)
    source = MINIMAL_FLASK if FRAMEWORK[template] == "flask" else MINIMAL_DJANGO
    (minimal / "minimal_app.py").write_text(source, encoding="utf-8")
    shutil.copy(project / "gunicorn.conf.py", minimal / "gunicorn.conf.py")
    if FRAMEWORK[template] == "django":
        # As a deploy does: production serves the collected, hashed static files.
        subprocess.run(
            [str(project / ".venv" / "bin" / "python"), "manage.py", "collectstatic", "--noinput"],
            cwd=project,
            check=True,
            capture_output=True,
        )
    generated = Server("generated", project, procfile(project, "web"), project)
    return generated, Server("minimal", minimal, "gunicorn -c gunicorn.conf.py minimal_app:app", project)


@contextlib.contextmanager
def started(server: Server) -> Iterator[tuple[str, subprocess.Popen[str], float]]:
    """gunicorn on a free loopback port; yields its URL, the process and the seconds to the first 200."""
    port = free_port()
    env = venv_env(
        server.project,
        {
            "PORT": str(port),
            "WEB_CONCURRENCY": WORKERS,
            "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TRUSTED_HOSTS": "127.0.0.1,localhost",
            **server.env,
        },
    )
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {server.command}"],
        cwd=server.folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield base, proc, wait_200(base, proc, start)
    finally:
        stop_group(proc)


def wait_200(base: str, proc: subprocess.Popen[str], start: float) -> float:
    deadline = start + 60
    last = None
    while time.perf_counter() < deadline:
        last = health_status(base, timeout=0.5)
        if last == 200:
            return time.perf_counter() - start
        if proc.poll() is not None:
            tail = (proc.stderr.read() if proc.stderr else "").strip().splitlines()[-3:]
            raise Failed(f"gunicorn exited {proc.returncode}: {' / '.join(tail)}")
        time.sleep(0.01)
    raise Failed(f"/health never answered 200 (last: {last})")


def load(base: str, duration: int) -> float:
    """Requests per second of successful /health answers, from wrk or a bounded Python client."""
    if shutil.which("wrk"):
        return wrk(base, duration)
    return python_load(base, duration)


def wrk(base: str, duration: int) -> float:
    argv = ["wrk", "-t1", "-c16", f"-d{duration}s", "--timeout", "2s", f"{base}/health"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 30, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise Failed(f"{errors.group(1)} answers under load were not 2xx/3xx")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None:
        raise Failed(f"wrk printed no rate: {out[-200:]}")
    return float(match.group(1))


def python_load(base: str, duration: int, clients: int = 8) -> float:
    """A fallback when wrk is missing: threads that each GET /health until the time is up."""
    host, port = base.removeprefix("http://").split(":")
    deadline = time.perf_counter() + duration
    counts, bad = [0] * clients, [0] * clients

    def client(index: int) -> None:
        while time.perf_counter() < deadline:
            conn = http.client.HTTPConnection(host, int(port), timeout=2)
            try:
                conn.request("GET", "/health")
                ok = conn.getresponse().status == 200
                counts[index] += ok
                bad[index] += not ok
            except OSError:
                bad[index] += 1
            finally:
                conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 10)
    if sum(bad):
        raise Failed(f"{sum(bad)} answers under load were not 200")
    return sum(counts) / duration


def worker_rss_mib(master: int) -> float:
    """Median resident memory of the master's child processes (the gunicorn workers), from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        with contextlib.suppress(FileNotFoundError):
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.MULTILINE)
            if match:
                sizes.append(int(match.group(1)) / 1024)
    if not sizes:
        raise Failed("gunicorn has no workers to measure")
    return median(sizes)


def serve_once(server: Server, plan: Plan, with_load: bool, figures: dict[str, list[float]]) -> None:
    """One fresh start: its cold start, and when asked, throughput and then RSS per worker after load."""
    with started(server) as (base, proc, cold):
        figures["cold"].append(cold)
        if with_load:
            if plan.warm_up:
                load(base, 1)
            figures["rate"].append(load(base, plan.load_seconds))
            figures["rss"].append(worker_rss_mib(proc.pid))


def serve_figures(servers: tuple[Server, ...], plan: Plan) -> list[dict[str, float]]:
    """Medians for both servers, taking turns run by run so that a busy moment hits both alike."""
    figures: list[dict[str, list[float]]] = [{"cold": [], "rate": [], "rss": []} for _ in servers]
    for index in range(max(plan.cold_runs, plan.load_runs)):
        for server, collected in zip(servers, figures, strict=True):
            serve_once(server, plan, index < plan.load_runs, collected)
    return [{name: median(values) for name, values in collected.items()} for collected in figures]


def bench_serve(template: str, project: Path, plan: Plan, scratch: Path) -> list[Row]:
    generated, minimal = servers(project, template, scratch)
    generated, handwritten = same_work(generated, template, scratch)
    ours, bare, by_hand = serve_figures((generated, minimal, handwritten), plan)
    name = FRAMEWORK[template].capitalize()
    against = {
        f"a one-route {name} app": bare,
        f"a hand-written {name} app with the same SELECT 1 and headers": by_hand,
    }
    rows = []
    for baseline, theirs in against.items():
        what = f"gunicorn, {WORKERS} workers, vs {baseline}"
        rate_limit = 0.85 if theirs is bare else 0.95
        rows += [
            fill(
                Row(4, f"{template}: /health throughput ({what})", target=f"≥ {rate_limit}x"),
                ours["rate"],
                theirs["rate"],
                rate_limit,
                lambda v: f"{v:,.0f} req/s",
                higher_is_better=True,
            ),
            fill(
                Row(4, f"{template}: cold start to the first 200 ({what})", target="≤ 1.5x"),
                ours["cold"],
                theirs["cold"],
                1.5,
                seconds,
            ),
            fill(
                Row(4, f"{template}: resident memory per worker after load ({what})", target="≤ 1.3x"),
                ours["rss"],
                theirs["rss"],
                1.3,
                lambda v: f"{v:.1f} MiB",
            ),
        ]
    return rows


# 4b. the hand-written baseline: the same database round trip and headers as the starter -----

HANDWRITTEN_FLASK = """import json
import os

from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])
HEADERS = json.loads(os.environ["BENCH_HEADERS"])


@app.get("/health")
def health():
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar()
    return {"status": "ok", "database": "ok"}, 200, HEADERS
"""

HANDWRITTEN_DJANGO = """import json
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark-only",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ["DATABASE_URL"].removeprefix("sqlite:///"),
            "CONN_MAX_AGE": 60,
        }
    },
)
HEADERS = json.loads(os.environ["BENCH_HEADERS"])


def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok", "database": "ok"}, headers=HEADERS)


urlpatterns = [path("health", health)]
app = get_wsgi_application()
"""

# Headers every server sets by itself, or that depend on the body.
OWN_HEADERS = {"date", "server", "content-length", "content-type", "connection", "keep-alive"}


def health_headers(base: str) -> dict[str, str]:
    """The headers the starter's /health sends beyond what any server adds (security headers)."""
    with urllib.request.urlopen(f"{base}/health", timeout=5) as reply:  # noqa: S310 - loopback only
        return {name: value for name, value in reply.headers.items() if name.lower() not in OWN_HEADERS}


def same_work(generated: Server, template: str, scratch: Path) -> tuple[Server, Server]:
    """The starter on a database of its own, and a hand-written app doing its /health's work.

    Both use the same DATABASE_URL (an SQLite file in the scratch folder, where /health's
    SELECT 1 needs no tables); the hand-written one sends the headers the starter's /health
    sent, read from a first start.
    """
    database = {"DATABASE_URL": f"sqlite:///{scratch / f'health-{template}.sqlite3'}"}
    generated = Server(generated.label, generated.folder, generated.command, generated.project, database)
    with started(generated) as (base, _, _):
        headers = health_headers(base)
    folder = scratch / f"handwritten-{template}"
    folder.mkdir(exist_ok=True)
    source = HANDWRITTEN_FLASK if FRAMEWORK[template] == "flask" else HANDWRITTEN_DJANGO
    (folder / "handwritten_app.py").write_text(source, encoding="utf-8")
    shutil.copy(generated.project / "gunicorn.conf.py", folder / "gunicorn.conf.py")
    env = {**database, "BENCH_HEADERS": json.dumps(headers)}
    command = "gunicorn -c gunicorn.conf.py handwritten_app:app"
    return generated, Server("handwritten", folder, command, generated.project, env)


# 5. the project's own tests -----------------------------------------------------------------


def bench_tests(template: str, project: Path, plan: Plan) -> Row:
    row = Row(5, f"{template}: the project's own tests (README `## Tests`: pytest, ruff)", target="< 10 s")
    script = readme_block(project, "Tests")
    took = [
        run(["bash", "-euo", "pipefail", "-c", script], cwd=project, env=venv_env(project), timeout=600)
        for _ in range(plan.test_runs)
    ]
    value = median(took)
    row.value, row.met = seconds(value), verdict(value < 10)
    return row


# 5b. the generated test suites alone: the "under 5 s each" ----------------------------

# The answers that bring the most tests (flask-api has no admin screens).
RICHEST = {
    "flask-api": {"purpose": "api", "accounts": "roles", "data": "many"},
    "flask-webapp": {"purpose": "business-app", "accounts": "roles", "admin": "yes", "data": "many"},
    "django-fullstack": {"purpose": "business-app", "accounts": "roles", "admin": "yes", "data": "many"},
}


def suite_seconds(project: Path, runs: int) -> tuple[float, float]:
    """Median wall time and CPU time (user + system, with its children) of the project's pytest."""
    walls, cpus = [], []
    for _ in range(runs):
        before = children_cpu()
        argv = [str(project / ".venv" / "bin" / "python"), "-m", "pytest", "-q"]
        walls.append(run(argv, cwd=project, env=venv_env(project), timeout=600))
        cpus.append(children_cpu() - before)
    return median(walls), median(cpus)


def bench_suites(template: str, project: Path, plan: Plan, scratch: Path, notes: list[str]) -> list[Row]:
    """The default project's pytest and the richest answer set's, each on its own."""
    rich = scratch / f"rich-{template}"
    answers = [arg for key, value in RICHEST[template].items() for arg in ("-a", f"{key}={value}")]
    run(create_args(rich, template, "--install", "--no-git", *answers), env=base_env({"CI": "true"}), timeout=900)
    rows = []
    for label, folder in (("default answers", project), (" ".join(answers[1::2]), rich)):
        if plan.warm_up:
            suite_seconds(folder, 1)  # bytecode caches, as a second run has them
        wall, cpu = suite_seconds(folder, plan.test_runs)
        row = Row(5, f"{template}: its pytest suite alone ({label})", target="< 5 s")
        row.value, row.met = seconds(wall), verdict(wall < 5)
        rows.append(row)
        notes.append(f"Row 5, {template} ({label}): pytest used {seconds(cpu)} of CPU time.")
    return rows


# the table ----------------------------------------------------------------------------------


def attempt(rows: list[Row], item: int, what: str, count: int, measure: Callable[[], list[Row]]) -> bool:
    """Add measure()'s rows, or `count` rows that say why it failed; True if it worked."""
    log(f"measuring {item}: {what}")
    try:
        rows.extend(measure())
        return True
    except (Failed, OSError, subprocess.SubprocessError) as error:
        log(f"  failed: {error}")
        rows.extend(Row(item, what, value=f"failed: {error}", met="**no**") for _ in range(count))
        return False


def measure_all(plan: Plan, templates: list[str], scratch: Path, notes: list[str]) -> tuple[list[Row], bool]:
    rows: list[Row] = []
    ok = attempt(rows, 1, "`newproj --help`", 1, one(bench_help, plan))
    for template in templates:
        ok &= attempt(rows, 2, f"{template}: create vs copier copy", 1, one(bench_render, template, plan, scratch))
    projects: dict[str, Path] = {}
    for template in templates:

        def headline(t: str = template) -> list[Row]:
            row, projects[t] = bench_first_200(t, plan, scratch, notes)
            return [row]

        ok &= attempt(rows, 3, f"{template}: time to the first 200", 1, headline)
    for template in templates:
        project = projects.get(template)
        if project is None:
            ok &= attempt(rows, 4, f"{template}: gunicorn", 6, _no_project)
            ok &= attempt(rows, 5, f"{template}: own tests", 3, _no_project)
            continue
        serve = functools.partial(bench_serve, template, project, plan, scratch)
        ok &= attempt(rows, 4, f"{template}: gunicorn", 6, serve)
        ok &= attempt(rows, 5, f"{template}: own tests", 1, one(bench_tests, template, project, plan))
        suites = functools.partial(bench_suites, template, project, plan, scratch, notes)
        ok &= attempt(rows, 5, f"{template}: pytest suites", 2, suites)
    return sorted(rows, key=lambda r: r.item), ok


def one(measure: Callable[..., Row], *args: Any) -> Callable[[], list[Row]]:
    return lambda: [measure(*args)]


def strays(scratch: Path) -> list[int]:
    """Processes still working in the scratch folder: servers that newproj or the bench failed to stop."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and Path(os.readlink(entry / "cwd")).is_relative_to(scratch):
                found.append(int(entry.name))
    return found


def end_strays(scratch: Path, notes: list[str]) -> bool:
    """Kill what was left running; True if nothing was."""
    left = strays(scratch)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if left:
        notes.append(f"{len(left)} processes were still running in the scratch folder at the end, and were killed.")
    return not left


def _no_project() -> list[Row]:
    raise Failed("no installed project (its time-to-first-200 run failed)")


def versions() -> str:
    def first_line(argv: list[str]) -> str:
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
        except OSError:
            return "missing"
        return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "?"

    load_tool = first_line(["wrk", "--version"]).split(" [")[0] if shutil.which("wrk") else "Python client (no wrk)"
    return (
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"{first_line(['uv', '--version']) if shutil.which('uv') else 'no uv (pip)'}, load: {load_tool}"
    )


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "unknown"


def table(rows: list[Row], plan: Plan, mode: str, loads: tuple[str, str], notes: list[str]) -> str:
    lines = [
        f"newproj benchmark ({mode}; {versions()}; medians of {plan.help_runs} `--help` runs, {plan.create_runs} "
        f"renders, {plan.first_200_runs} set-ups, {plan.load_runs} x {plan.load_seconds} s of load, "
        f"{plan.cold_runs} cold starts; load average {loads[0]} before, {loads[1]} after)",
        "",
        "| # | measurement | newproj | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {r.item} | {r.what} | {r.value} | {r.baseline} | {r.ratio} | {r.target} | {r.met} |" for r in rows]
    return "\n".join([*lines, "", *notes] if notes else lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one repetition each and one second of load")
    parser.add_argument("--templates", default=",".join(TEMPLATES), help="comma-separated (default: all three)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and print where it is")
    args = parser.parse_args(argv)
    templates = [t for t in args.templates.split(",") if t]
    unknown = set(templates) - set(TEMPLATES)
    if unknown:
        parser.error(f"unknown template(s): {', '.join(sorted(unknown))}")
    plan = QUICK if args.quick else FULL
    scratch = Path(tempfile.mkdtemp(prefix="newproj-bench-"))
    notes: list[str] = []
    before = load_average()
    try:
        rows, ok = measure_all(plan, templates, scratch, notes)
        ok &= end_strays(scratch, notes)
    finally:
        if args.keep:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(table(rows, plan, "quick" if args.quick else "full", (before, load_average()), notes))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
