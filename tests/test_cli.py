"""The command-line interface, driven as a real process without a terminal."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from newproj.requirements import KEYS

from tests.support.harness import newproj

COMMANDS = ["create", "recommend", "templates", "update", "check", "export-templates"]
HEAVY = ("copier", "questionary", "yaml", "rich", "prompt_toolkit")


def run(*args, env, cwd=None):
    return newproj(*args, env=env, cwd=cwd)


def create(workdir, env, source, *args):
    return run("create", *args, "--source", str(source), env=env, cwd=workdir)


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], *[[c, "--help"] for c in COMMANDS]], ids=lambda a: " ".join(a)
)
def test_help_and_version_do_not_import_heavy_modules(args):
    probe = (
        "import sys\nfrom newproj.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit as e:\n    code = e.code\n"
        f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), code, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert "LOADED [] 0" in result.stderr, result.stderr
    assert result.stdout.strip()


def test_version_names_the_program(cli_env):
    result = run("--version", env=cli_env)
    assert result.returncode == 0 and result.stdout.startswith("newproj, version ")


def test_missing_answers_without_a_terminal_are_listed_with_the_flags(workdir, cli_env, fixture_templates):
    result = create(workdir, cli_env, fixture_templates, "shop")
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    for key in (*KEYS, "description", "author_name", "author_email"):
        assert key in line
    assert "-a KEY=VALUE" in line and "--answers-file" in line and "--defaults" in line
    assert list(workdir.iterdir()) == []


def test_missing_answers_when_ci_is_set_even_with_a_closed_stdin(workdir, cli_env, fixture_templates):
    result = create(workdir, {**cli_env, "CI": "1"}, fixture_templates, "shop", "-a", "purpose=api")
    assert result.returncode == 2
    assert "purpose" not in result.stderr.split("missing:")[1].split(";")[0]


def test_recommend_json_has_every_field_and_key(cli_env):
    result = run("recommend", "--json", "-y", "-a", "purpose=business-app", env=cli_env)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["framework"] == "django" and payload["template"] == "django-fullstack"
    assert payload["close_call"] is False and payload["runner_up"] == "flask"
    assert payload["reasons"] and all(isinstance(r, str) for r in payload["reasons"])
    assert set(KEYS) <= set(payload["answers"])


def test_recommend_text_says_close_call_and_runner_up(cli_env):
    result = run("recommend", "-y", env=cli_env)
    assert result.returncode == 0
    assert "close call" in result.stdout and "came second" in result.stdout


def test_recommend_reads_an_answers_file(tmp_path, cli_env):
    preset = tmp_path / "team.yml"
    preset.write_text("purpose: microservice\ndata: none\n")
    payload = json.loads(run("recommend", "--json", "-y", "--answers-file", str(preset), env=cli_env).stdout)
    assert payload["template"] == "flask-api" and payload["answers"]["data"] == "none"


def test_recommend_without_terminal_lists_missing_requirement_keys_only(cli_env):
    result = run("recommend", "-a", "pages=no", env=cli_env)
    assert result.returncode == 2
    assert "purpose" in result.stderr and "project_name" not in result.stderr


def test_recommend_with_only_the_purpose_needs_no_defaults_flag(cli_env):
    """The purpose pre-fills every other answer, so it is enough without a terminal."""
    result = run("recommend", "--json", "-a", "purpose=api", env=cli_env)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["template"] == "flask-api" and payload["answers"]["pages"] == "no"


def test_dry_run_prints_the_decision_and_files_and_writes_nothing(workdir, cli_env, fixture_templates):
    result = create(workdir, cli_env, fixture_templates, "shop", "-y", "--dry-run", "-a", "purpose=api")
    assert result.returncode == 0, result.stderr
    assert "Recommended: Flask" in result.stdout
    assert "README.md" in result.stdout and "shop/__init__.py" in result.stdout and ".env" in result.stdout
    assert list(workdir.iterdir()) == []


def test_json_output_describes_the_created_project(workdir, cli_env, fixture_templates):
    result = create(workdir, cli_env, fixture_templates, "shop", "-y", "--json", "-a", "purpose=microservice")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["destination"] == str(workdir / "shop")
    assert (payload["framework"], payload["template"]) == ("flask", "flask-api")
    assert payload["reasons"] and payload["answers"]["project_name"] == "shop"
    assert "README.md" in payload["files"] and ".copier-answers.yml" in payload["files"]
    assert any("echo setting up" in step for step in payload["next_steps"])
    assert payload["commit"]


def test_answers_file_records_requirements_and_the_decision(workdir, cli_env, fixture_templates):
    create(workdir, cli_env, fixture_templates, "shop", "-y", "-a", "purpose=content", "-a", "accounts=roles")
    recorded = yaml.safe_load((workdir / "shop" / ".copier-answers.yml").read_text())
    assert recorded["template"] == "django-fullstack" and recorded["framework"] == "django"
    assert recorded["purpose"] == "content" and recorded["accounts"] == "roles"
    assert set(KEYS) <= set(recorded)
    assert any("(accounts=roles)" in reason for reason in recorded["decision_reasons"])


def test_an_answers_file_reproduces_the_project(workdir, cli_env, fixture_templates):
    create(
        workdir,
        cli_env,
        fixture_templates,
        "shop",
        "-y",
        "-a",
        "purpose=api",
        "--template",
        "flask-webapp",
        "-a",
        "description=Sells things",
    )
    first = workdir / "shop" / ".copier-answers.yml"
    result = create(workdir, cli_env, fixture_templates, "again", "--answers-file", str(first))
    assert result.returncode == 0, result.stderr
    again = yaml.safe_load((workdir / "again" / ".copier-answers.yml").read_text())
    original = yaml.safe_load(first.read_text())
    assert again == original


@pytest.mark.parametrize(
    ("flags", "template"),
    [
        pytest.param(["--template", "flask-api"], "flask-api", id="template"),
        pytest.param(["--framework", "flask"], "flask-webapp", id="framework-flask-pages"),
        pytest.param(["--framework", "flask", "-a", "pages=no"], "flask-api", id="framework-flask-json"),
        pytest.param(
            ["--framework", "django", "-a", "purpose=microservice"], "django-fullstack", id="framework-django"
        ),
    ],
)
def test_overrides_win_over_the_recommendation_and_are_recorded(workdir, cli_env, fixture_templates, flags, template):
    result = create(workdir, cli_env, fixture_templates, "shop", "-y", *flags)
    assert result.returncode == 0, result.stderr
    assert (workdir / "shop" / "kind.txt").read_text().strip() == template
    recorded = yaml.safe_load((workdir / "shop" / ".copier-answers.yml").read_text())
    assert recorded["template"] == template


def test_conflicting_overrides_are_refused(workdir, cli_env, fixture_templates):
    result = create(
        workdir, cli_env, fixture_templates, "shop", "-y", "--template", "flask-api", "--framework", "django"
    )
    assert result.returncode == 2 and "drop one" in result.stderr
    assert list(workdir.iterdir()) == []


def test_project_is_committed_with_env_ignored(workdir, cli_env, fixture_templates):
    create(workdir, cli_env, fixture_templates, "shop", "-y")
    project = workdir / "shop"

    def git(*args):
        return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout

    assert git("status", "--porcelain") == ""
    assert ".copier-answers.yml" in git("ls-files")
    assert ".env" not in git("ls-files").split()
    secret = (project / ".env").read_text()
    assert "change-me" not in secret and len(secret.split("SECRET_KEY=")[1].split()[0]) >= 50
    assert "Test Person" in git("log", "--format=%an")


def test_no_git_leaves_a_plain_folder(workdir, cli_env, fixture_templates):
    create(workdir, cli_env, fixture_templates, "shop", "-y", "--no-git")
    assert (workdir / "shop" / "README.md").exists() and not (workdir / "shop" / ".git").exists()


def test_inside_an_existing_repository_no_nested_repository_is_made(workdir, cli_env, fixture_templates):
    subprocess.run(["git", "init", "-q"], cwd=workdir, check=True)
    result = create(workdir, cli_env, fixture_templates, "shop", "-y")
    assert result.returncode == 0, result.stderr
    assert not (workdir / "shop" / ".git").exists()
    assert "inside the git repository" in result.stdout


def test_a_freshly_cloned_empty_repository_is_used(workdir, cli_env, fixture_templates):
    subprocess.run(["git", "init", "-q", str(workdir / "shop")], check=True)
    result = create(workdir, cli_env, fixture_templates, "shop", "-y")
    assert result.returncode == 0, result.stderr
    log = subprocess.run(["git", "log", "--oneline"], cwd=workdir / "shop", capture_output=True, text=True, check=True)
    assert len(log.stdout.splitlines()) == 1


def test_without_a_git_identity_a_fallback_commits_and_says_so(workdir, tmp_path, fixture_templates):
    bare_home = tmp_path / "bare-home"
    bare_home.mkdir()
    env = {"HOME": str(bare_home), "GIT_CONFIG_NOSYSTEM": "1", "XDG_CONFIG_HOME": str(bare_home)}
    result = create(workdir, env, fixture_templates, "shop", "-y")
    assert result.returncode == 0, result.stderr
    assert "no identity" in result.stdout and "git config --global user.name" in result.stdout
    status = subprocess.run(["git", "status", "--porcelain"], cwd=workdir / "shop", capture_output=True, text=True)
    assert status.stdout == ""


def test_project_name_defaults_to_the_destination_folder(workdir, cli_env, fixture_templates):
    create(workdir, cli_env, fixture_templates, "inventory-api", "-y")
    recorded = yaml.safe_load((workdir / "inventory-api" / ".copier-answers.yml").read_text())
    assert recorded["project_name"] == "inventory-api" and recorded["package_name"] == "inventory_api"
    assert (workdir / "inventory-api" / "inventory_api" / "__init__.py").exists()


def test_without_dest_the_project_name_names_the_folder(workdir, cli_env, fixture_templates):
    result = create(workdir, cli_env, fixture_templates, "-y", "-a", "project_name=garden")
    assert result.returncode == 0, result.stderr
    assert (workdir / "garden" / "garden" / "__init__.py").exists()


def test_free_text_lands_in_python_as_data(workdir, cli_env, fixture_templates):
    hostile = 'It\'s "quoted" \\ {{ 7*7 }} {% raw %}\nsecond line'
    result = create(
        workdir,
        cli_env,
        fixture_templates,
        "shop",
        "-y",
        "-a",
        f"description={hostile}",
        "-a",
        f"author_name={hostile}",
    )
    assert result.returncode == 0, result.stderr
    namespace: dict[str, str] = {}
    exec(compile((workdir / "shop" / "shop" / "__init__.py").read_text(), "init", "exec"), namespace)  # noqa: S102
    assert namespace["DESCRIPTION"] == hostile and namespace["AUTHOR"] == hostile
