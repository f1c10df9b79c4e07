"""newproj create: answers in, a committed project out (or nothing at all)."""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newproj import answers as answer_rules
from newproj import catalog, destination, names, repo, requirements, state
from newproj.decide import Decision, contradictions, decide, refusal, template_for
from newproj.errors import BadInput, CreatedThenInterrupted, GitFailed, MissingAnswers
from newproj.render import Source, files_in, render, write_env


@dataclass(frozen=True)
class Inputs:
    """What the person gave on the command line and in answers files."""

    given: Mapping[str, Any]
    dest: str | None = None
    template: str | None = None
    framework: str | None = None
    defaults: bool = False
    interactive: bool = False
    source: str | None = None
    template_version: str | None = None


@dataclass(frozen=True)
class Choice:
    """The framework and template that will be rendered, and whether the person overrode newproj."""

    framework: str
    template: str
    overridden: bool


@dataclass
class Result:
    destination: Path
    decision: Decision
    choice: Choice
    source: Source
    data: dict[str, Any]
    files: list[str] = field(default_factory=list)
    commit: str | None = None
    notes: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    dry_run: bool = False
    template_label: str = ""


def missing_answers(inputs: Inputs) -> list[str]:
    """Keys that would have to be asked: an error when there is no one to ask."""
    if inputs.defaults or inputs.interactive:
        return []
    wanted = [*requirements.KEYS, *(q.key for q in answer_rules.TEMPLATE_QUESTIONS)]
    if inputs.dest is not None:
        wanted.remove("project_name")
    return [key for key in wanted if key not in inputs.given]


def refuse_missing(missing: list[str]) -> None:
    if missing:
        raise MissingAnswers(
            f"no terminal to ask, and these answers are missing: {', '.join(missing)}; "
            "pass each with -a KEY=VALUE or --answers-file FILE, or add --defaults to take the defaults"
        )


def ask_requirements(inputs: Inputs) -> dict[str, str]:
    """Every requirement answer: given, asked (purpose first: it sets the defaults), or defaulted."""
    result = {k: str(v) for k, v in inputs.given.items() if k in requirements.KEYS}
    if not inputs.interactive:
        return requirements.complete(result)
    from newproj import prompts

    for req in requirements.REQUIREMENTS:
        if req.key not in result:
            default = requirements.default(req.key, result.get("purpose", ""))
            result[req.key] = prompts.requirement(req, default)
    return result


def choose(decision: Decision, inputs: Inputs) -> Choice:
    """The recommendation, unless a flag, an answers file or the person says otherwise."""
    template = inputs.template or inputs.given.get("template")
    framework = inputs.framework
    if template is not None:
        offered = answer_rules.source_templates(inputs.source)
        if template not in offered:
            raise BadInput(f"no template named {template!r}; use one of: {', '.join(offered)}")
        known = catalog.BY_NAME.get(template)
        implied = known.framework if known else (framework or decision.framework)
        if framework is not None and framework != implied:
            raise BadInput(f"--template {template} is a {implied} template but --framework says {framework}; drop one")
        if problem := refusal(template, {k: str(v) for k, v in inputs.given.items()}):  # asked, not defaulted
            raise BadInput(problem)
        return Choice(implied, template, template != decision.template)
    if framework is not None:
        chosen = template_for(framework, decision.answers)
        return Choice(framework, chosen, framework != decision.framework)
    if inputs.interactive:
        return _ask_choice(decision)
    return Choice(decision.framework, decision.template, False)


def _ask_choice(decision: Decision) -> Choice:
    from newproj import prompts

    options = [(f"Use {decision.framework_name} ({decision.template}), as recommended", decision.template)]
    options.append(
        (
            f"Use {catalog.FRAMEWORK_NAMES[decision.runner_up]} instead ({decision.runner_up_template})",
            decision.runner_up_template,
        )
    )
    options += [
        (f"Pick the template {t.name}: {t.summary}", t.name)
        for t in catalog.TEMPLATES
        if t.name not in (decision.template, decision.runner_up_template) and not refusal(t.name, decision.answers)
    ]
    template = prompts.choose("Go with this?", options)
    return Choice(catalog.BY_NAME[template].framework, template, template != decision.template)


def project_answers(inputs: Inputs) -> dict[str, Any]:
    """Project name, description and author: given, asked, or defaulted."""
    result = {q.key: inputs.given[q.key] for q in answer_rules.TEMPLATE_QUESTIONS if q.key in inputs.given}
    fallbacks = {q.key: q.fallback for q in answer_rules.TEMPLATE_QUESTIONS}
    if inputs.dest is not None:
        fallbacks["project_name"] = destination.resolve(inputs.dest).name
    fallbacks["author_name"] = repo.config_value("user.name") or fallbacks["author_name"]
    fallbacks["author_email"] = repo.config_value("user.email") or fallbacks["author_email"]
    if inputs.interactive:
        from newproj import prompts

        checks = {"project_name": _name_and_folder_problem, "author_email": email_problem}
        for q in answer_rules.TEMPLATE_QUESTIONS:
            if q.key not in result and not (q.key == "project_name" and inputs.dest is not None):
                result[q.key] = prompts.text(q.question, fallbacks[q.key], checks.get(q.key, _no_problem))
    for key, value in fallbacks.items():
        result.setdefault(key, value)
    result.setdefault(
        "package_name", inputs.given.get("package_name") or names.package_name_for(str(result["project_name"]))
    )
    answer_rules.check_template_answers(result)
    return result


def _name_and_folder_problem(value: str) -> str | None:
    """Asked at the name prompt, so a taken folder is asked again instead of refused at the end."""
    problem = names.project_name_problem(value)
    if problem is None:
        try:
            destination.check(destination.resolve(value))
        except BadInput as error:
            problem = str(error)
    return problem


def email_problem(value: str) -> str | None:
    return None if answer_rules.EMAIL.match(value) else "give an e-mail address like name@example.com"


def _no_problem(value: str) -> None:
    return None


def template_data(decision: Decision, choice: Choice, project: Mapping[str, Any]) -> dict[str, Any]:
    """Everything Copier records: requirements, the decision and why, and the project answers."""
    reasons = list(decision.reasons)
    if choice.overridden:
        reasons.insert(0, f"Chosen by hand: {choice.template} (newproj recommended {decision.template}).")
        reasons += [note for note in contradictions(decision.answers, choice.template) if note not in reasons]
    return {
        **decision.answers,
        "template": choice.template,
        "framework": choice.framework,
        "decision_reasons": reasons,
        **project,
    }


def readme_commands(project: Path, heading: str) -> str | None:
    """The shell block under `## heading` in the generated README, if there is one."""
    readme = project / "README.md"
    if not readme.exists():
        return None
    pattern = rf"^## {re.escape(heading)}\s*$.*?^```\w*\s*$\n(.*?)^```\s*$"
    match = re.search(pattern, readme.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    return match.group(1).strip() if match else None


def resolve_source(spec: str | None, version: str | None = None) -> Source:
    """newproj's newest (or a given) release, or a team's template repository (a path or a git URL)."""
    if spec is None:
        from newproj import releases

        known = releases.packaged_tags()
        if version is not None and version not in known:
            raise BadInput(
                f"no template release {version}; this newproj has: {', '.join(sorted(known, key=releases.version_key))}"
            )
        bundle = releases.install_user_bundle()
        chosen = version or releases.latest(known)
        return Source(state.recorded(bundle), chosen, chosen)
    from newproj import releases

    releases.check_source(spec)
    return Source(releases.for_record(spec), version, version)


def source_name(spec: str) -> str:
    """A team template's own name: its folder or repository name."""
    name = spec.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name.removesuffix(".git") or spec


def template_label(inputs: Inputs, choice: Choice) -> str:
    """What the project was made from, in words: newproj's template, or the team's source by its name."""
    if inputs.source is None:
        return f"newproj's {choice.template}"
    known = answer_rules.source_questions(inputs.source) or frozenset()
    name = source_name(inputs.source)
    return f"{name} ({choice.template})" if "template" in known else name


def _is_git_source(spec: str) -> bool:
    local = Path(spec).expanduser()
    return not local.is_dir() or (local / ".git").exists()


def check_first(inputs: Inputs, use_git: bool) -> None:
    """Everything that can fail without a question: git, newproj's state folder, the destination and its name."""
    if use_git:
        repo.require("to commit the project; or pass --no-git to skip the repository")
    if inputs.source is None:
        repo.require("to read its template releases")
        state.writable_folder()
    elif _is_git_source(inputs.source):
        repo.require(f"to read the template {inputs.source}")
    if inputs.dest is None:
        return
    dest = destination.resolve(inputs.dest)
    destination.check(dest)
    if "project_name" not in inputs.given:
        problem = names.project_name_problem(dest.name)
        if problem is not None:
            raise BadInput(
                f"the folder name {dest.name!r} would be the project name, and {problem}; "
                "pass -a project_name=NAME, or choose another folder"
            )
    if use_git:
        repo.own_repository(dest)


def plan(inputs: Inputs, use_git: bool = True) -> tuple[Path, Decision, Choice, dict[str, Any]]:
    """Ask or check everything; return what to render and where. Writes nothing."""
    check_first(inputs, use_git)
    refuse_missing(missing_answers(inputs))
    decision = decide(ask_requirements(inputs))
    if inputs.interactive:
        from newproj import report

        report.recommendation(decision)
    choice = choose(decision, inputs)
    project = project_answers(inputs)
    dest = destination.resolve(inputs.dest if inputs.dest is not None else str(project["project_name"]))
    destination.check(dest)
    team = {k: v for k, v in inputs.given.items() if k not in answer_rules.KNOWN}  # questions a team's source adds
    return dest, decision, choice, {**template_data(decision, choice, project), **team}


def create(inputs: Inputs, dry_run: bool = False, use_git: bool = True) -> Result:
    """Claim the destination, render into a staging folder inside it, commit, then move the files into place."""
    dest, decision, choice, data = plan(inputs, use_git and not dry_run)
    source = resolve_source(inputs.source, inputs.template_version)
    result = Result(dest, decision, choice, source, data, dry_run=dry_run)
    result.template_label = template_label(inputs, choice)
    if dry_run:
        with destination.scratch() as scratch:
            _render_into(Path(scratch) / "project", Path(scratch) / "tmp", result, inputs.interactive)
        return result
    own_repo = use_git and repo.own_repository(dest)
    outer = None if own_repo else repo.enclosing_work_tree(dest)
    with destination.claim(dest) as held:
        _render_into(held.project, held.tmp, result, inputs.interactive)
        if use_git and outer is None and not own_repo:
            _commit(held.project, result, init=True)
        destination.publish(held, dest)
    with kept_on_interrupt(result):
        if own_repo:
            _commit_published(dest, result)
        elif use_git and outer is not None:
            result.notes.append(
                f"{dest} is inside the git repository {outer}: the files are left for you to commit there."
            )
        result.next_steps = next_steps(result)
    return result


def _commit_published(dest: Path, result: Result) -> None:
    try:
        _commit(dest, result, init=False)
    except GitFailed as error:
        raise GitFailed(
            f"the project was created in {dest}, but not committed ({error}); "
            f"commit it yourself: cd {shlex.quote(str(dest))} && git add -A && git commit -m 'First commit'"
        ) from error


@contextlib.contextmanager
def kept_on_interrupt(result: Result) -> Iterator[None]:
    """Ctrl-C once the project is in place: say that it was created (and committed), not that nothing was."""
    try:
        yield
    except KeyboardInterrupt as error:
        raise CreatedThenInterrupted(result.destination, committed=result.commit is not None) from error


def _render_into(folder: Path, scratch: Path, result: Result, ask: bool) -> None:
    folder.mkdir(exist_ok=True)
    render(result.source, result.data, folder, scratch, ask=ask)
    if write_env(folder):
        result.notes.append(".env holds a fresh SECRET_KEY for local use; git ignores it.")
    result.files = files_in(folder)


def _commit(folder: Path, result: Result, init: bool) -> None:
    message = f"Create {result.data['project_name']} from {result.template_label}"
    if result.source.version:
        message += f" {result.source.version}"
    author = (str(result.data["author_name"]), str(result.data["author_email"]))
    result.commit, fallback = repo.commit_all(folder, message, init=init, author=author)
    if fallback:
        result.notes.append(
            f"git has no identity configured, so the first commit is signed {author[0]} <{author[1]}> "
            "from your answers; set it for your own commits with: git config --global user.name 'Your Name' && "
            "git config --global user.email you@example.com"
        )


def next_steps(result: Result) -> list[str]:
    steps = [f"cd {shlex.quote(str(result.destination))}"]
    for heading in ("Set up", "Run", "Tests"):
        block = readme_commands(result.destination, heading)
        if block:
            steps.append(f"# {heading.lower()}\n{block}")
    steps.append("# later, pull template improvements: newproj check && newproj update")
    return steps
