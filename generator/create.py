"""newproj create: answers in, a committed project out (or nothing at all)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newproj import answers as answer_rules
from newproj import catalog, destination, names, repo, requirements
from newproj.decide import Decision, contradictions, decide, refusal, template_for
from newproj.errors import BadInput, MissingAnswers
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
        if template not in catalog.BY_NAME:
            raise BadInput(f"no template named {template!r}; use one of: {', '.join(catalog.NAMES)}")
        implied = catalog.BY_NAME[template].framework
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

        checks = {"project_name": names.project_name_problem, "author_email": _email_problem}
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


def _email_problem(value: str) -> str | None:
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
        releases.install_user_bundle()
        chosen = version or releases.latest(known)
        return Source(releases.USER_BUNDLE_PATH, chosen, chosen)
    local = Path(spec).expanduser()
    return Source(str(local.absolute()) if local.exists() else spec, version, version)


def plan(inputs: Inputs) -> tuple[Path, Decision, Choice, dict[str, Any]]:
    """Ask or check everything; return what to render and where. Writes nothing."""
    refuse_missing(missing_answers(inputs))
    if inputs.dest is not None:
        destination.check(destination.resolve(inputs.dest))
    decision = decide(ask_requirements(inputs))
    if inputs.interactive:
        from newproj import report

        report.recommendation(decision)
    choice = choose(decision, inputs)
    project = project_answers(inputs)
    dest = destination.resolve(inputs.dest if inputs.dest is not None else str(project["project_name"]))
    destination.check(dest)
    return dest, decision, choice, template_data(decision, choice, project)


def create(inputs: Inputs, dry_run: bool = False, use_git: bool = True) -> Result:
    """Render into a staging folder beside the destination, commit, then move it into place."""
    dest, decision, choice, data = plan(inputs)
    source = resolve_source(inputs.source, inputs.template_version)
    result = Result(dest, decision, choice, source, data, dry_run=dry_run)
    if dry_run:
        with destination.scratch() as scratch:
            _render_into(Path(scratch), result, inputs.interactive)
        return result
    own_repo = (dest / ".git").exists()
    outer = None if own_repo else repo.enclosing_work_tree(dest)
    init_here = use_git and outer is None and not own_repo
    with destination.staging(dest) as tmp:
        _render_into(tmp, result, inputs.interactive)
        if init_here:
            _commit(tmp, result, init=True)
        destination.publish(tmp, dest)
    if use_git and own_repo:
        _commit(dest, result, init=False)
    elif use_git and outer is not None:
        result.notes.append(f"{dest} is inside the git repository {outer}: the files are left for you to commit there.")
    result.next_steps = next_steps(result)
    return result


def _render_into(folder: Path, result: Result, ask: bool) -> None:
    render(result.source, result.data, folder, ask=ask)
    if write_env(folder):
        result.notes.append(".env holds a fresh SECRET_KEY for local use; git ignores it.")
    result.files = files_in(folder)


def _commit(folder: Path, result: Result, init: bool) -> None:
    message = f"Create {result.data['project_name']} from newproj {result.choice.template}"
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
    steps = [f"cd {result.destination}"]
    for heading in ("Set up", "Run", "Tests"):
        block = readme_commands(result.destination, heading)
        if block:
            steps.append(f"# {heading.lower()}\n{block}")
    steps.append("# later, pull template improvements: newproj check && newproj update")
    return steps
