"""What newproj tells people: the recommendation and the outcome, as text or JSON."""

from __future__ import annotations

import json
from typing import Any

import click
from newproj import catalog
from newproj.decide import Decision


def recommendation_lines(decision: Decision) -> list[str]:
    lines = [f"Recommended: {decision.framework_name}, template {decision.template}"]
    if decision.close_call:
        runner = catalog.FRAMEWORK_NAMES[decision.runner_up]
        lines.append(
            f"It is a close call (score {decision.scores[decision.framework]} to "
            f"{decision.scores[decision.runner_up]}): {runner} ({decision.runner_up_template}) came second."
        )
    lines.append("Why:")
    lines += [f"  - {reason}" for reason in decision.reasons]
    if decision.runner_up_reasons:
        lines.append(f"For {catalog.FRAMEWORK_NAMES[decision.runner_up]}:")
        lines += [f"  - {reason}" for reason in decision.runner_up_reasons]
    return lines


def recommendation(decision: Decision, err: bool = True) -> None:
    click.echo("\n".join(recommendation_lines(decision)), err=err)


def decision_json(decision: Decision) -> dict[str, Any]:
    return {
        "framework": decision.framework,
        "template": decision.template,
        "reasons": list(decision.reasons),
        "close_call": decision.close_call,
        "runner_up": decision.runner_up,
        "runner_up_template": decision.runner_up_template,
        "runner_up_reasons": list(decision.runner_up_reasons),
        "scores": dict(decision.scores),
        "answers": dict(decision.answers),
    }


def emit_json(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload, indent=2, sort_keys=False))


def result_json(result: Any, setup: Any = None) -> dict[str, Any]:
    return {
        "destination": str(result.destination),
        "framework": result.choice.framework,
        "template": result.choice.template,
        "template_version": result.source.version,
        "overridden": result.choice.overridden,
        "recommendation": decision_json(result.decision),
        "reasons": list(result.data["decision_reasons"]),
        "answers": {k: v for k, v in result.data.items() if k != "decision_reasons"},
        "files": result.files,
        "dry_run": result.dry_run,
        "commit": result.commit,
        "notes": result.notes,
        "next_steps": result.next_steps,
        "install": setup.as_json() if setup is not None else None,
    }


def result_text(result: Any, setup: Any = None, recommendation_shown: bool = False) -> None:
    if not recommendation_shown:
        recommendation(result.decision, err=False)
    if result.choice.overridden:
        click.echo(f"Using {result.choice.template} as you asked.")
    if result.dry_run:
        click.echo(f"Dry run: would create {result.destination} with {len(result.files)} files:")
        for name in result.files:
            click.echo(f"  {name}")
        click.echo("Nothing was written.")
        return
    version = f" {result.source.version}" if result.source.version else ""
    click.echo(f"Created {result.destination} from {result.template_label}{version} ({len(result.files)} files).")
    if result.commit:
        click.echo(f"Committed as {result.commit[:12]}.")
    for note in result.notes:
        click.echo(f"Note: {note}")
    if setup is not None and setup.ok:
        click.echo(f"Set up with {setup.installer} in {setup.seconds:.1f} s: .venv, dependencies, migrations.")
    click.echo("Next steps:")
    for step in result.next_steps:
        click.echo("  " + step.replace("\n", "\n  "))


def _status_json(surveyed: Any) -> dict[str, Any]:
    status = surveyed.status
    if status is None:
        return {"project": str(surveyed.project), "error": str(surveyed.error), "exit_code": surveyed.exit_code}
    return {
        "project": str(status.project),
        "template": status.template,
        "source": status.source,
        "current": status.current,
        "newest": status.newest,
        "up_to_date": status.up_to_date and not status.too_new,
        "too_new": status.too_new,
        "conflicts": list(status.conflicts),
        "diverged_migrations": list(status.diverged),
        "exit_code": surveyed.exit_code,
    }


def check_statuses(surveyed: list[Any], as_json: bool, several: bool) -> None:
    if as_json:
        payloads = [_status_json(s) for s in surveyed]
        click.echo(json.dumps(payloads if several else payloads[0], indent=2))
        return
    for one in surveyed:
        for line in _status_lines(one):
            click.echo(line, err=one.error is not None)


def _status_lines(surveyed: Any) -> list[str]:
    status = surveyed.status
    if status is None:
        return [f"Error: {surveyed.project}: {surveyed.error}"]
    lines = [
        f"{status.project.name}: template {status.template} at {status.current or 'an unreleased version'}; "
        f"newest release {status.newest}"
    ]
    if status.conflicts:
        lines.append(f"  Conflict markers remain in: {', '.join(status.conflicts)} (resolve them, then commit).")
    lines += [f"  {d}: merge them before deploying." for d in status.diverged]
    if status.too_new:
        lines.append("  Too new: this project's release is newer than the newest its source offers.")
    elif status.up_to_date:
        lines.append("  Up to date." if not status.needs_attention else "  At the newest release.")
    else:
        lines.append("  An update is available: newproj update")
    return lines


def aborted(project: Any, removed: list[str]) -> None:
    click.echo(f"Undid the update in {project}: tracked files are back at HEAD.")
    for name in removed:
        click.echo(f"  removed: {name}")


def update_outcome(outcome: Any, as_json: bool) -> None:
    status = outcome.status
    if as_json:
        emit_json(
            {
                "project": str(status.project),
                "from": status.current,
                "to": outcome.target,
                "up_to_date": status.up_to_date and outcome.target == status.newest and not outcome.changed,
                "dry_run": outcome.dry_run,
                "changed": outcome.changed,
                "added": outcome.added,
                "removed": outcome.removed,
                "conflicts": outcome.conflicts,
                "kept_beside": outcome.kept,
                "merged_migrations": outcome.merged_migrations,
                "diverged_migrations": [d.describe() for d in outcome.diverged],
                "commands": [d.command for d in outcome.diverged],
                "answers": {k: v for k, v in outcome.answers_changed.items() if k != "decision_reasons"},
                "notes": outcome.notes,
            }
        )
        return
    touched = outcome.changed or outcome.added or outcome.removed or outcome.conflicts or outcome.answers_changed
    if status.up_to_date and not touched:
        click.echo(f"{status.project.name} is up to date (template {status.current}).")
        return
    verb = "Would update" if outcome.dry_run else "Updated"
    click.echo(f"{verb} {status.project.name} from template {status.current} to {outcome.target}.")
    for key, value in outcome.answers_changed.items():
        if key != "decision_reasons":
            click.echo(f"  answer: {key}={value}")
    for label, names in (
        ("changed", outcome.changed),
        ("added", outcome.added),
        ("removed", outcome.removed),
        ("in conflict", outcome.conflicts),
        ("your version kept as", outcome.kept),
        ("merged migrations", outcome.merged_migrations),
    ):
        for name in names:
            click.echo(f"  {label}: {name}")
    for divergence in outcome.diverged:
        click.echo(f"  diverged: {divergence.describe()}; run: {divergence.command}")
    for note in outcome.notes:
        click.echo(f"Note: {note}")
    if outcome.dry_run:
        click.echo("Nothing was changed (dry run).")
    elif not outcome.needs_attention:
        click.echo("Review with git diff, run the tests, then commit: git add -A && git commit -m 'Update template'")
