"""A platform team's update lifecycle, on a small exported-style team template (tests/support/team_template.py).

Services with their own models, migrations and edits are updated release by release with
newproj and with plain Copier; after every update the service migrates and its tests pass,
or newproj exited 4 naming the command, and after running it they do. Interrupts, refusals,
versions, sources and a fleet survey are checked on the same template.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from newproj import releases

from tests.support import team_template
from tests.support.harness import newproj

SERVICE_PACKAGES = ["flask>=3.1,<3.2", "flask-sqlalchemy>=3.1", "flask-migrate>=4", "django>=5.2,<5.3", "pytest>=8"]


def git(project, *args, check=True):
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=check).stdout


def commit(project, message):
    git(project, "add", "-A")
    git(project, "commit", "-qm", message)


def answers_of(project):
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def state(project):
    """Every file's bytes (git's folder aside), the index, HEAD and git status: what an interrupt must not change."""
    files = {}
    for path in sorted(project.rglob("*")):
        if ".git" in path.relative_to(project).parts or not (path.is_file() or path.is_symlink()):
            continue
        data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
        files[path.relative_to(project).as_posix()] = hashlib.sha256(data).hexdigest()
    index = git(project, "ls-files", "--stage")
    return files, index, git(project, "rev-parse", "HEAD"), git(project, "status", "--porcelain", "--ignored")


@pytest.fixture(scope="module")
def team_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("team-home")
    (home / ".gitconfig").write_text("[user]\n\tname = Service Dev\n\temail = dev@example.com\n")
    return home


@pytest.fixture(scope="module")
def env(team_home):
    return {"HOME": str(team_home), "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture(scope="module")
def team(team_home):
    """The team's template clone, under HOME as the README suggests (~/src/acme-templates)."""
    return team_template.build(team_home / "src" / "acme-templates")


@pytest.fixture(scope="module")
def np(env):
    def run(*args, cwd=None):
        return newproj(*(str(a) for a in args), env=env, cwd=cwd)

    return run


@pytest.fixture(scope="module")
def service_venv(tmp_path_factory):
    """One environment with the services' dependencies, linked as each service's .venv."""
    venv = tmp_path_factory.mktemp("service-venv") / "venv"
    subprocess.run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), *SERVICE_PACKAGES], check=True
    )
    return venv


@pytest.fixture(scope="module")
def create(np, team, tmp_path_factory):
    where = tmp_path_factory.mktemp("services")

    def make(name, template, version, *extra, folder=None):
        result = np(
            "create",
            name,
            "-y",
            "--source",
            team,
            "--template",
            template,
            "--template-version",
            version,
            *extra,
            cwd=folder or where,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return (folder or where) / name

    return make


def service_checks(project, python):
    """What the deploy and CI do: migrate, then the service's own tests (which fail on a diverged history)."""
    if (project / "manage.py").exists():
        steps = [[python, "manage.py", "migrate", "--noinput"]]
    else:
        steps = [[python, "-m", "flask", "--app", answers_of(project)["package_name"], "db", "upgrade"]]
    steps.append([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for step in steps:
        result = subprocess.run(step, cwd=project, capture_output=True, text=True, env=environment)
        if result.returncode != 0:
            return f"{' '.join(map(str, step))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return "ok"


def add_flask_work(project):
    """The service's own model and migration, an extra security test, a brand favicon, a runbook note."""
    versions = project / "migrations" / "versions"
    (versions / "a1b2_orders.py").write_text(team_template.alembic_revision("a1b2", "0001", "orders"))
    with (project / "tests" / "test_security.py").open("a") as handle:
        handle.write("\n\ndef test_our_own_rule():\n    assert 'secret' not in 'public'\n")
    (project / "static" / "favicon.ico").write_bytes(b"\0acme payments brand")
    with (project / "docs" / "runbook.md").open("a") as handle:
        handle.write("\nPayments: page the on-call before restarting.\n")
    commit(project, "Our orders, a security test, our brand, a runbook note")


@pytest.fixture(scope="module")
def flask_story(create, np, service_venv):
    """One Flask service through v1.1.0, v1.2.0 (with --abort) and v1.3.0; each step's result recorded."""
    project = create("payments", "svc-flask", "v1.0.0")
    (project / ".venv").symlink_to(service_venv)
    add_flask_work(project)
    python = project / ".venv" / "bin" / "python"
    story = {"project": project}
    story["to 1.1"] = np("update", project, "--to", "v1.1.0")
    story["checks 1.1"] = service_checks(project, python)
    story["favicon 1.1"] = (project / "static" / "favicon.ico").read_bytes()
    commit(project, "Template v1.1.0")
    before = state(project)
    story["required missing"] = np("update", project)
    story["unchanged after refusal"] = state(project) == before
    story["to 1.2"] = np("update", project, "--to", "v1.2.0", "-a", "pagerduty_service=PD-PAYMENTS")
    story["porcelain 1.2"] = git(project, "status", "--porcelain")
    story["answers 1.2"] = answers_of(project)
    story["security test 1.2"] = (project / "tests" / "test_security.py").read_text()
    story["kept favicon"] = (project / "static" / "favicon.mine.ico").read_bytes()
    story["check conflicted"] = np("check", project)
    story["abort"] = np("update", "--abort", project)
    story["unchanged after abort"] = state(project) == before
    again = np("update", project, "--to", "v1.2.0", "-a", "pagerduty_service=PD-PAYMENTS")
    assert again.returncode == 4, again.stderr
    shutil.move(project / "static" / "favicon.mine.ico", project / "static" / "favicon.ico")
    commit(project, "Template v1.2.0: keep our brand and our security test")
    story["checks 1.2"] = service_checks(project, python)
    story["to 1.3"] = np("update", project)
    story["porcelain 1.3"] = git(project, "status", "--porcelain")
    note = (project / "docs" / "runbook.md").read_text()
    (project / "docs" / "operations.md").write_text(note)
    git(project, "rm", "-q", "docs/runbook.md")
    commit(project, "Template v1.3.0: our runbook note moves to operations.md")
    story["checks 1.3"] = service_checks(project, python)
    story["final check"] = np("check", project)
    return story


@pytest.mark.e2e
def test_own_migration_and_template_migration_are_merged_with_the_service_environment(flask_story):
    result = flask_story["to 1.1"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "merged migrations: alembic migrations in migrations/versions have diverged (0002, a1b2)" in result.stdout
    assert flask_story["checks 1.1"] == "ok"
    assert flask_story["favicon 1.1"] == b"\0acme payments brand"  # the template did not change it: ours stays


@pytest.mark.e2e
def test_a_required_question_is_refused_with_one_line_and_nothing_changes(flask_story):
    result = flask_story["required missing"]
    assert result.returncode == 2 and "pagerduty_service" in result.stderr and "-a KEY=VALUE" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and flask_story["unchanged after refusal"]


@pytest.mark.e2e
def test_a_removed_edited_file_and_a_binary_both_changed_are_conflicts_with_the_persons_copy_kept(flask_story):
    result = flask_story["to 1.2"]
    assert result.returncode == 4, result.stdout + result.stderr
    porcelain = flask_story["porcelain 1.2"]
    assert "UD tests/test_security.py" in porcelain and "UU static/favicon.ico" in porcelain
    assert "test_our_own_rule" in flask_story["security test 1.2"]
    assert flask_story["kept favicon"] == b"\0acme payments brand"
    assert "your version kept as: static/favicon.mine.ico" in result.stdout
    assert "newproj update --abort" in result.stderr and "git clean -fd" in result.stderr
    recorded = flask_story["answers 1.2"]
    assert recorded["_commit"] == "v1.2.0" and recorded["pagerduty_service"] == "PD-PAYMENTS"


@pytest.mark.e2e
def test_check_exits_4_on_a_conflicted_project_and_abort_restores_it(flask_story):
    check = flask_story["check conflicted"]
    assert check.returncode == 4 and "Conflict markers remain in" in check.stdout
    assert flask_story["abort"].returncode == 0 and flask_story["unchanged after abort"]


@pytest.mark.e2e
def test_later_releases_migrate_and_pass_and_the_alias_tag_is_not_an_update(flask_story):
    assert flask_story["checks 1.2"] == "ok"
    result = flask_story["to 1.3"]
    assert result.returncode == 4 and "UD docs/runbook.md" in flask_story["porcelain 1.3"]
    assert "?? docs/operations.md" in flask_story["porcelain 1.3"]
    assert flask_story["checks 1.3"] == "ok"
    final = flask_story["final check"]
    assert final.returncode == 0 and "Up to date." in final.stdout


@pytest.mark.e2e
def test_django_service_without_environment_gets_exit_4_and_the_command_that_fixes_it(create, np, service_venv):
    project = create("ledger", "svc-django", "v1.0.0")
    app = project / "core"
    (app / "migrations" / "0002_order.py").write_text(
        team_template.django_migration("0002_order", "0001_initial", "Order")
    )
    (app / "models.py").write_text(team_template.django_models("Account", "Order"))
    commit(project, "Our orders")
    result = np("update", project, "--to", "v1.1.0")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "merge them with: python manage.py makemigrations --merge --noinput" in result.stderr
    (app / "models.py").write_text(team_template.django_models("Account", "Order", "Audit"))  # keep both models
    python = service_venv / "bin" / "python"
    check = np("check", project)
    assert check.returncode == 4 and "django migrations in core have diverged" in check.stdout
    subprocess.run([python, "manage.py", "makemigrations", "--merge", "--noinput"], cwd=project, check=True)
    assert service_checks(project, python) == "ok"


@pytest.mark.e2e
def test_plain_copier_update_then_check_names_the_diverged_history(create, np, team):
    project = create("billing", "svc-flask", "v1.0.0")
    versions = project / "migrations" / "versions"
    (versions / "c3d4_invoices.py").write_text(team_template.alembic_revision("c3d4", "0001", "invoices"))
    commit(project, "Our invoices")
    copier = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--vcs-ref", "v1.1.0"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(team.parents[1])},
    )
    assert copier.returncode == 0, copier.stderr
    commit(project, "Template v1.1.0 with plain Copier")
    check = np("check", project)
    assert (
        check.returncode == 4 and "alembic migrations in migrations/versions have diverged (0002, c3d4)" in check.stdout
    )


@pytest.mark.e2e
@pytest.mark.parametrize(("signum", "delays"), [(signal.SIGINT, (0.4, 1.5, 3.0)), (signal.SIGTERM, (0.8, 2.2))])
def test_an_interrupt_at_any_moment_leaves_tree_index_and_head_identical(create, env, signum, delays, tmp_path):
    project = create(f"interrupted-{signum.name.lower()}", "svc-flask", "v1.0.0")
    before = state(project)
    scratch = tmp_path / "tmp"  # the run's temporary folders (newproj's clone, Copier's copies) land here
    scratch.mkdir()
    run_env = {**os.environ, "CI": "1", **env, "TMPDIR": str(scratch)}
    argv = [sys.executable, "-m", "newproj", "update", str(project), "-a", "pagerduty_service=PD"]
    for delay in delays:
        proc = subprocess.Popen(argv, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=300)
        assert b"Traceback" not in err and sorted(scratch.iterdir()) == []
        # It finished first, or the signal arrived once the update was in place: the whole update, exit 0.
        if proc.returncode == 0 or state(project) != before:
            assert proc.returncode == 0, out.decode() + err.decode()
            assert answers_of(project)["_commit"] == "v1.3.0" and (project / "docs" / "operations.md").exists()
            assert "<<<<<<<" not in (project / ".copier-answers.yml").read_text()
            return
        # 130 with one line, or (sent before Python's own start-up finished) ended by the signal itself
        assert proc.returncode in (130, -signum), out.decode() + err.decode()
        assert state(project) == before


@pytest.mark.e2e
def test_a_finished_update_keeps_ignoring_interrupts_until_newproj_exits(create, env, monkeypatch, capsys):
    """A Ctrl-C in the last moment (report printed, interpreter ending) must not turn exit 0 into a signal death."""
    from newproj import cli

    project = create("late-signal", "svc-flask", "v1.0.0")
    for key, value in {**env, "CI": "1"}.items():
        monkeypatch.setenv(key, value)
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        with pytest.raises(SystemExit) as exit_:
            cli.main(["update", str(project), "-a", "pagerduty_service=PD"])
        after = {signum: signal.getsignal(signum) for signum in before}
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    assert exit_.value.code == 0, capsys.readouterr().err
    assert answers_of(project)["_commit"] == "v1.3.0"
    assert after == dict.fromkeys(before, signal.SIG_IGN)


@pytest.mark.e2e
def test_an_update_never_writes_over_an_ignored_file(create, np):
    project = create("ignored", "svc-flask", "v1.0.0")
    with (project / ".git" / "info" / "exclude").open("a") as handle:
        handle.write("CODEOWNERS\n")
    (project / "CODEOWNERS").write_text("* @our-own-rules\n")
    before = state(project)
    result = np("update", project, "--to", "v1.1.0")
    assert result.returncode == 2 and "CODEOWNERS" in result.stderr and "git does not track" in result.stderr
    assert state(project) == before


def test_src_path_that_looks_like_an_option_never_reaches_git_as_one(tmp_path, np):
    project = tmp_path / "cloned"
    project.mkdir()
    git(project, "init", "-q")
    answers = {"_src_path": f"--upload-pack=touch {tmp_path / 'PWNED'}; git-upload-pack", "_commit": "v1.0.0"}
    (project / ".copier-answers.yml").write_text(yaml.safe_dump(answers))
    commit(project, "A project with a hostile source")
    for command in ("check", "update"):
        result = np(command, project, cwd=project)
        assert result.returncode == 2 and "not a template source" in result.stderr, result.stderr
    assert not (tmp_path / "PWNED").exists() and not (project / "PWNED").exists()


@pytest.mark.e2e
def test_team_sources_are_recorded_with_home_and_work_for_a_teammate(create, team, tmp_path):
    project = create("shared", "svc-flask", "v1.0.0", "-a", "owner_team=ignored-by-v1")
    assert answers_of(project)["_src_path"] == "~/src/acme-templates"
    teammate = tmp_path / "teammate"
    git(tmp_path, "clone", "-q", str(team), str(teammate / "src" / "acme-templates"))
    (teammate / ".gitconfig").write_text("[user]\n\tname = Mate\n\temail = mate@example.com\n")
    check = newproj("check", str(project), env={"HOME": str(teammate), "GIT_CONFIG_NOSYSTEM": "1"})
    assert check.returncode == 5 and "newest release v1.3.0" in check.stdout, check.stderr


@pytest.mark.e2e
def test_team_questions_a_fourth_starter_and_answer_changes(create, np, tmp_path):
    preset = tmp_path / "team.yml"
    preset.write_text("owner_team: from-the-file\n")
    owned = create("owned", "svc-flask", "v1.1.0", "--answers-file", preset, "-a", "owner_team=payments")
    assert answers_of(owned)["owner_team"] == "payments" and "@acme/payments" in (owned / "CODEOWNERS").read_text()
    from_file = create("from-file", "svc-django", "v1.1.0", "--answers-file", preset)
    assert answers_of(from_file)["owner_team"] == "from-the-file"
    worker = create("jobs", "worker", "v1.0.0")
    assert (worker / "worker.py").exists()
    refused = np("create", "nope", "-y", "--source", "~/src/acme-templates", "--template", "nope", cwd=tmp_path)
    assert refused.returncode == 2 and "svc-flask, svc-django, worker" in refused.stderr

    switched = np("update", owned, "-a", "template=svc-django")
    assert switched.returncode == 2 and len(switched.stderr.strip().splitlines()) == 1
    assert "cannot change" in switched.stderr and git(owned, "status", "--porcelain") == ""
    changed = np("update", owned, "--to", "v1.1.0", "-a", "owner_team=ledger")
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert answers_of(owned)["owner_team"] == "ledger" and "@acme/ledger" in (owned / "CODEOWNERS").read_text()


@pytest.mark.e2e
def test_source_moves_too_new_projects_and_committed_markers(create, np, team, tmp_path):
    project = create("moved", "svc-flask", "v1.0.0")
    moved = tmp_path / "moved-templates"
    shutil.copytree(team, moved)
    result = np("update", project, "--source", moved, "-a", "pagerduty_service=PD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert answers_of(project)["_src_path"] == str(moved) and answers_of(project)["_commit"] == "v1.3.0"
    commit(project, "Template v1.3.0 from the moved repository")

    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit: v1.3.0", "_commit: v9.0.0"))
    commit(project, "made from a newer template clone")
    newer = np("update", project)
    assert newer.returncode == 2 and f"git -C {moved} pull" in newer.stderr and "pip install" not in newer.stderr
    check = np("check", project)
    assert check.returncode == 2 and "Too new" in check.stdout
    git(project, "revert", "--no-edit", "HEAD")

    (project / "docs" / "operations.md").write_text(
        "<<<<<<< before updating\nours\n=======\ntheirs\n>>>>>>> after updating\n"
    )
    commit(project, "committed by mistake")
    marked = np("update", project)
    assert marked.returncode == 4 and "docs/operations.md" in marked.stderr


@pytest.mark.e2e
def test_a_project_in_a_monorepo_subfolder_is_in_conflict_not_dirty(create, np, tmp_path):
    mono = tmp_path / "mono"
    (mono / "services").mkdir(parents=True)
    git(mono, "init", "-q")
    (mono / "README.md").write_text("Our monorepo\n")
    project = create("api", "svc-flask", "v1.0.0", folder=mono / "services")
    with (project / "docs" / "runbook.md").open("a") as handle:
        handle.write("\nMonorepo note.\n")
    commit(mono, "services/api from the team template, with a note")
    result = np("update", project, "-a", "pagerduty_service=PD")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "in conflict: docs/runbook.md" in result.stdout and (project / "docs" / "operations.md").exists()
    assert "UD services/api/docs/runbook.md" in git(mono, "status", "--porcelain")


@pytest.mark.e2e
def test_a_fleet_of_ten_at_mixed_versions_is_surveyed_with_one_check(create, np, tmp_path):
    old = create("fleet-old", "svc-flask", "v1.0.0")
    new = create("fleet-new", "svc-flask", "v1.3.0", "-a", "pagerduty_service=PD")
    fleet = tmp_path / "fleet"
    members = []
    for number in range(8):
        member = fleet / f"svc-{number}"
        git(tmp_path, "clone", "-q", str(old if number < 4 else new), str(member))
        members.append(member)
    (members[7] / "docs" / "operations.md").write_text("<<<<<<< before updating\nx\n>>>>>>> after updating\n")
    commit(members[7], "unresolved")
    answers = members[6] / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit: v1.3.0", "_commit: v9.0.0"))
    commit(members[6], "too new")
    plain = fleet / "not-a-project"
    plain.mkdir()
    result = np("check", *members, old, plain, "--json")
    assert result.returncode == 4, result.stdout + result.stderr
    report = json.loads(result.stdout)
    codes = [entry["exit_code"] for entry in report]
    assert codes == [5, 5, 5, 5, 0, 0, 2, 4, 5, 2]
    assert report[6]["too_new"] and not report[6]["up_to_date"]
    assert report[7]["conflicts"] == ["docs/operations.md"]


def test_only_final_semantic_versions_are_releases():
    tags = {"v1.1.0": "a", "v1.2.0rc1": "b", "acme-stable": "a", "1.0.0": "c", "latest": "b"}
    assert releases.newest_release(tags) == "v1.1.0"
    assert releases.newest_release(tags, prereleases=True) == "v1.2.0rc1"
    assert releases.releases_of(tags) == {"v1.1.0": "a", "1.0.0": "c"}
    assert releases.for_record(str(Path.home() / "src" / "t")) == "~/src/t"
    assert releases.for_record("https://git.example.com/t.git") == "https://git.example.com/t.git"


def test_version_names_the_template_release(np):
    result = np("--version")
    assert result.returncode == 0 and f"(templates {releases.packaged_version()})" in result.stdout


@pytest.mark.e2e
def test_template_tasks_run_only_with_trust_and_are_named_first(np, tmp_path, team_home):
    source = team_template.build_with_tasks(tmp_path / "tasks-template")
    made = np(
        "create", "jobs", "-y", "--source", source, "--template", "worker", "--template-version", "v1.0.0", cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    project = tmp_path / "jobs"
    refused = np("update", project)
    assert refused.returncode == 2 and "--trust" in refused.stderr and not (project / "TASK_RAN").exists()
    assert git(project, "status", "--porcelain") == ""
    trusted = np("update", project, "--trust")
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert "lets the template run these commands on this machine: touch TASK_RAN" in trusted.stderr
    assert (project / "worker.py").read_text() == "print('v2')\n"


def test_diverged_histories_are_read_from_the_migration_files(tmp_path):
    from newproj import migrations

    versions = tmp_path / "flasky" / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions.parent / "env.py").write_text("")
    for revision, down in (("0001", None), ("0002", "0001"), ("a1b2", "0001")):
        (versions / f"{revision}.py").write_text(team_template.alembic_revision(revision, down, f"t{revision}"))
    found = migrations.diverged(tmp_path / "flasky", {"package_name": "flasky"})
    assert [(d.kind, d.tips) for d in found] == [("alembic", ("0002", "a1b2"))]
    assert found[0].command == "flask --app=flasky db merge -m 'merge template migrations' heads"
    (versions / "m.py").write_text('revision = "m"\ndown_revision = ("0002", "a1b2")\n')
    assert migrations.diverged(tmp_path / "flasky", {"package_name": "flasky"}) == []

    app = tmp_path / "djangoish" / "core" / "migrations"
    app.mkdir(parents=True)
    (app.parents[1] / "manage.py").write_text("")
    (app / "__init__.py").write_text("")
    for name, depends in (("0001_initial", None), ("0002_audit", "0001_initial"), ("0002_order", "0001_initial")):
        (app / f"{name}.py").write_text(team_template.django_migration(name, depends, "M"))
    (app / "0003_links.py").write_text(
        "from django.conf import settings\nfrom django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL), ("core", "0002_order")]\n'
    )
    found = migrations.diverged(tmp_path / "djangoish", {})
    assert [(d.where, d.tips, d.command) for d in found] == [
        ("core", ("0002_audit", "0003_links"), "python manage.py makemigrations --merge --noinput")
    ]
