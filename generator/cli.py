"""newproj's commands: parse options, call one function, turn errors into messages."""

from __future__ import annotations

import errno
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
from newproj import __version__
from newproj.catalog import NAMES as TEMPLATE_NAMES
from newproj.errors import EXIT_FAILURE, EXIT_INTERRUPTED, NewprojError


def _answer_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "-a",
            "--answer",
            "answer_pairs",
            multiple=True,
            metavar="KEY=VALUE",
            help="An answer, e.g. -a purpose=api (repeatable; requirement and template keys).",
        ),
        click.option(
            "--answers-file",
            type=click.Path(path_type=Path),
            help="YAML file of answers (a team preset, or a project's .copier-answers.yml).",
        ),
        click.option(
            "-y",
            "--yes",
            "--defaults",
            "defaults",
            is_flag=True,
            help="Never prompt: every unanswered key takes its default.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def _interactive() -> bool:
    """A person at a terminal: stdin and stdout are terminals and CI is not set to a true value."""
    return sys.stdin.isatty() and sys.stdout.isatty() and not _truthy(os.environ.get("CI"))


def _answer_keys_help() -> str:
    from newproj.requirements import REQUIREMENTS

    lines = ["\b", "Answer keys (-a KEY=VALUE; purpose pre-fills the others):"]
    lines += [f"  {r.key:<14}{', '.join(r.choices)}" for r in REQUIREMENTS]
    lines.append("  project_name, description, author_name, author_email: text")
    return "\n".join(lines)


def _inputs(answer_pairs: tuple[str, ...], answers_file: Path | None, defaults: bool, **extra: Any) -> Any:
    from newproj.create import Inputs

    given = _given(answer_pairs, answers_file, extra.get("source"))
    return Inputs(given=given, defaults=defaults, interactive=_interactive() and not defaults, **extra)


def _given(answer_pairs: tuple[str, ...], answers_file: Path | None, source: str | None) -> dict[str, Any]:
    """Answers from -a and --answers-file, checked against the questions the source's copier.yml asks."""
    from newproj import answers

    from_file = answers.load_file(answers_file) if answers_file else {}
    known = answers.source_questions(source)
    return answers.merge(from_file, answers.parse_pairs(answer_pairs), known, answers.source_templates(source))


def _changed_answers(answer_pairs: tuple[str, ...], answers_file: Path | None) -> dict[str, Any]:
    """Answers to change in an update: any key (Copier checks it against the release's questions)."""
    from newproj import answers

    from_file = answers.load_file(answers_file) if answers_file else {}
    pairs = answers.parse_pairs(answer_pairs)
    any_template = (str({**from_file, **pairs}.get("template")),)  # a template change is refused by the update
    return answers.merge(from_file, pairs, None, any_template)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from newproj import releases

    try:
        carried = f"templates {releases.packaged_version()}"
    except NewprojError:
        carried = "no template releases"
    click.echo(f"newproj, version {__version__} ({carried})")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show newproj's version and the template release it carries.",
)
def cli() -> None:
    """Ask what you are building, pick Flask or Django, and render a ready repository."""


@cli.command(epilog=_answer_keys_help())
@click.argument("dest", required=False)
@_answer_options
@click.option(
    "--template",
    metavar="NAME",
    help="Render this template, whatever the recommendation (newproj's three, or one your --source offers).",
)
@click.option(
    "--framework", type=click.Choice(["flask", "django"]), help="Use this framework, whatever the recommendation."
)
@click.option(
    "--source", metavar="PATH_OR_GIT_URL", help="Render from a team's template repository instead of newproj's own."
)
@click.option("--template-version", metavar="vX.Y.Z", help="Render this template release instead of the newest.")
@click.option("--no-git", is_flag=True, help="Do not create a git repository or commit.")
@click.option("--dry-run", is_flag=True, help="Print the decision and every file it would write; write nothing.")
@click.option(
    "--install/--no-install",
    default=None,
    help="Create .venv, install the dependencies (uv, else pip) and apply migrations. "
    "Asked when interactive (default yes); off for --defaults and scripts.",
)
@click.option(
    "--run",
    "run_app",
    is_flag=True,
    help="Install, then start the development server and print its URL; Ctrl-C stops it (exit 0).",
)
@click.option("--port", type=int, help="Port for --run's development server (default: $PORT, else the framework's).")
@click.option(
    "--wheelhouse",
    type=click.Path(file_okay=False, path_type=Path),
    help="Install from this folder of wheels with no network (made by `newproj wheelhouse`); implies --install.",
)
@click.option(
    "--trust", is_flag=True, help="Allow --install to run a --source template's build and Procfile release line."
)
def create(
    dest: str | None,
    answer_pairs: tuple[str, ...],
    answers_file: Path | None,
    defaults: bool,
    as_json: bool,
    template: str | None,
    framework: str | None,
    source: str | None,
    template_version: str | None,
    no_git: bool,
    dry_run: bool,
    install: bool | None,
    run_app: bool,
    port: int | None,
    wheelhouse: Path | None,
    trust: bool,
) -> None:
    """Create a project in DEST (default: a folder named after the project)."""
    from newproj import bytecode, report
    from newproj import create as creating
    from newproj import install as installing

    wanted = installing.check_wanted(installing.Wanted(install, run_app, port, wheelhouse, trust, source), dry_run)
    _check_template(template, source)

    inputs = _inputs(
        answer_pairs,
        answers_file,
        defaults,
        dest=dest,
        template=template,
        framework=framework,
        source=source,
        template_version=template_version,
    )
    result = creating.create(inputs, dry_run=dry_run, use_git=not no_git)
    with creating.kept_on_interrupt(result):
        setup = account = None
        try:
            if not dry_run and installing.wanted(wanted.install, wanted.run, inputs.interactive, wanted.trusted):
                setup = installing.set_up(
                    result.destination, wanted.wheelhouse, show=source is not None, run=wanted.run, port=wanted.port
                )
                account = installing.account_command(result.destination, result.data)
                result.next_steps = installing.next_steps(result.next_steps, setup, account)
            elif not dry_run and inputs.interactive and not wanted.trusted and wanted.install is None:
                result.notes.append(installing.UNTRUSTED_NOTE)
            if as_json:
                report.emit_json(report.result_json(result, setup))
                for note in result.notes:
                    click.echo(note, err=True)
            else:
                report.result_text(result, setup, recommendation_shown=inputs.interactive)
            if setup is not None:
                installing.check(setup)
                talk = inputs.interactive and not as_json
                installing.first_run(result.destination, account, wanted, talk, err=as_json, server=setup.server)
        finally:
            if setup is not None:
                setup.stop_server()  # when anything above ended early; serving stops it itself
            bytecode.finish_keeping()


@cli.command()
@_answer_options
def recommend(answer_pairs: tuple[str, ...], answers_file: Path | None, defaults: bool, as_json: bool) -> None:
    """Recommend Flask or Django, with the reasons, without creating anything."""
    from newproj import create as creating
    from newproj import report, requirements
    from newproj.decide import decide

    inputs = _inputs(answer_pairs, answers_file, defaults)
    # The purpose pre-fills every other requirement, so it alone is enough to recommend.
    missing = [k for k in creating.missing_answers(inputs) if k in requirements.KEYS and "purpose" not in inputs.given]
    creating.refuse_missing(missing)
    decision = decide(creating.ask_requirements(inputs))
    if as_json:
        report.emit_json(report.decision_json(decision))
    else:
        report.recommendation(decision, err=False)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def templates(as_json: bool) -> None:
    """List the templates, what each is for, and the template version."""
    from newproj import catalog, releases, report

    version = releases.packaged_version()
    bundle = releases.install_user_bundle()
    if as_json:
        report.emit_json(
            {
                "version": version,
                "templates": [
                    {"name": t.name, "framework": t.framework, "summary": t.summary} for t in catalog.TEMPLATES
                ],
            }
        )
        return
    width = max(len(t.name) for t in catalog.TEMPLATES)
    for t in catalog.TEMPLATES:
        click.echo(f"{t.name:<{width}}  {t.summary}")
    click.echo(f"template version: {version} (releases for copier update: {bundle})")


def _check_template(template: str | None, source: str | None) -> None:
    from newproj import answers
    from newproj.errors import BadInput

    offered = answers.source_templates(source)
    if template is not None and template not in offered:
        raise BadInput(f"--template {template} is not offered here; choose one of: {', '.join(offered)}")


@cli.command()
@click.argument("project", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--to", "to", metavar="vX.Y.Z", help="Update to this release instead of the newest.")
@click.option(
    "-a",
    "--answer",
    "answer_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change an answer (repeatable); any question the template asks. Framework and template cannot change.",
)
@click.option("--answers-file", type=click.Path(dir_okay=False, path_type=Path), help="YAML file of answers to set.")
@click.option("--source", metavar="PATH_OR_GIT_URL", help="The template repository moved: update from here instead.")
@click.option("--prereleases", is_flag=True, help="Count pre-release tags (v1.2.0rc1) as releases.")
@click.option("--trust", is_flag=True, help="Let the template run its tasks and migrations (they are listed first).")
@click.option("--abort", is_flag=True, help="Undo the update newproj last applied here (before you commit it).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def update(
    project: Path,
    dry_run: bool,
    to: str | None,
    answer_pairs: tuple[str, ...],
    answers_file: Path | None,
    source: str | None,
    prereleases: bool,
    trust: bool,
    abort: bool,
    as_json: bool,
) -> None:
    """Pull the newest template release into PROJECT, keeping your edits (3-way merge)."""
    from newproj import report
    from newproj import update as updating

    if abort:
        report.aborted(project, updating.abort(project))
        return
    given = _changed_answers(answer_pairs, answers_file)
    request = updating.Request(to, dry_run, given, source, trust, prereleases)
    if trust:
        click.echo(updating.trust_warning(project, request), err=True)
    outcome = updating.update(project, request)
    report.update_outcome(outcome, as_json)
    if outcome.needs_attention and not dry_run:
        raise updating.attention_error(outcome)


@cli.command()
@click.argument("projects", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option("--prereleases", is_flag=True, help="Count pre-release tags (v1.2.0rc1) as releases.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list when several projects are given).")
def check(projects: tuple[Path, ...], prereleases: bool, as_json: bool) -> None:
    """Say whether each PROJECT (default: .) is up to date.

    Exit 0: up to date; 5: an update is available; 4: conflict markers or diverged migrations
    remain; 2: a project is newer than its source or unreadable. With several, the highest wins.
    """
    from newproj import report
    from newproj import update as updating

    surveyed = updating.survey(list(projects) or [Path(".")], prereleases)
    report.check_statuses(surveyed, as_json, several=len(projects) > 1)
    code = updating.survey_exit(surveyed)
    if code:
        sys.exit(code)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--template", "names", multiple=True, type=click.Choice(TEMPLATE_NAMES), help="Only this template (repeatable)."
)
@click.option("--platform", "platforms", multiple=True, metavar="TAG", help="e.g. manylinux2014_x86_64 (repeatable).")
@click.option("--python-version", "versions", multiple=True, metavar="X.Y", help="e.g. 3.12 (repeatable).")
@click.option("--source", metavar="PATH_OR_GIT_URL", help="Read a team's templates instead of newproj's own.")
def wheelhouse(
    folder: Path, names: tuple[str, ...], platforms: tuple[str, ...], versions: tuple[str, ...], source: str | None
) -> None:
    """Download every package the templates' projects need into FOLDER, for installing with no network."""
    from newproj import wheelhouse as wheels

    chosen = list(names or TEMPLATE_NAMES)
    done = wheels.gather(folder, chosen, wheels.targets(platforms, versions), source, lambda t: click.echo(t, err=True))
    click.echo(f"{done.wheels} wheels in {folder} for {', '.join(chosen)}.")
    click.echo(f"Install a project from it with no network: newproj create --install --wheelhouse {folder}")


@cli.command("export-templates")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def export_templates(dest: Path) -> None:
    """Write newproj's templates, with every release tagged, as a git repository for your team."""
    from newproj import releasing

    version = releasing.export(dest.absolute())
    click.echo(f"Exported newproj's templates (newest release {version}) to {dest} as a git repository.")
    click.echo(
        f"Edit, commit and tag a higher version (git tag v1.0.0), then: newproj create --source {dest.absolute()} DEST"
    )


# A closed terminal (SIGHUP) and kill (SIGTERM) stop newproj the way Ctrl-C does: cleanly.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
INTERRUPTED = "interrupted; nothing was written"


def _stop(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI: errors become one line and an exit code, never a traceback."""
    previous = {}
    try:
        for signum in _STOP_SIGNALS:
            if signal.getsignal(signum) != signal.SIG_IGN:
                previous[signum] = signal.signal(signum, _stop)
        code = _run(argv)
    except KeyboardInterrupt:
        code = _fail(INTERRUPTED, EXIT_INTERRUPTED)
    finally:
        # Only handlers still ours go back: an update in place ignores signals until exit, so a late
        # Ctrl-C cannot turn a finished update into an exit by signal.
        for signum, handler in previous.items():
            if signal.getsignal(signum) is _stop:
                signal.signal(signum, handler)
    sys.exit(code)


def _run(argv: list[str] | None) -> int:
    try:
        code = cli.main(args=argv, prog_name="newproj", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        return _fail(INTERRUPTED, EXIT_INTERRUPTED)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except NewprojError as error:
        return _fail(str(error), error.exit_code)
    except OSError as error:
        return _fail(_os_problem(error), EXIT_FAILURE)
    except MemoryError:
        return _fail("out of memory; close other programs, or give newproj smaller input", EXIT_FAILURE)
    except Exception as error:
        text = " ".join(str(error).split())[:200]
        return _fail(f"unexpected {type(error).__name__}: {text} (a bug in newproj; please report it)", EXIT_FAILURE)
    return code if isinstance(code, int) else 0


def _os_problem(error: OSError) -> str:
    if error.errno == errno.EMFILE:
        return "too many open files for this process; raise the limit (ulimit -n 1024) and try again"
    where = f" ({error.filename})" if error.filename else ""
    return f"the system refused: {error.strerror or error}{where}; check the path and its permissions"


def _fail(message: str, code: int) -> int:
    click.echo(f"Error: {message}", err=True)
    return code
