"""django-fullstack end to end: answers that lead to Django, then the project set up,
tested, linted and served exactly as its README and Procfile say, on SQLite and on a
real PostgreSQL, and used in headless Chromium.

One project serves most tests. It is created from requirement answers (no --template),
and its description and author are hostile text, so every check also proves that such
text cannot break the project.

Production settings redirect plain HTTP to HTTPS. The HTTP checks play the part of the
platform's router by sending X-Forwarded-Proto with BEHIND_PROXY=1; the browser goes
through a real TLS-terminating proxy (tests/support/django_fullstack_proxy.py).
"""

from __future__ import annotations

import base64
import difflib
import html
import os
import re
import secrets
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import jinja2
import pytest
import yaml

from tests.support.django_fullstack_proxy import https_proxy
from tests.support.django_fullstack_servers import silent_database, web_process
from tests.support.harness import (
    REPO,
    Response,
    bash,
    fetch,
    free_port,
    generate,
    newproj,
    procfile_command,
    project_env,
    readme_block,
    run_bash,
    serve,
)

pytestmark = pytest.mark.e2e

TEMPLATE = "django-fullstack"
TEMPLATE_DIR = REPO / "templates" / TEMPLATE
PROJECT = "demo_shop"
HOSTILE_DESCRIPTION = (
    'It\'s "quoted" \\ back\\slash {{ 7*7 }} {% raw %} x {% endraw %} {% if %}\n'
    "<script>alert('x')</script> ''' \"\"\" \\u0022 \\\" ends with a backslash \\"
)
HOSTILE_AUTHOR = 'O\'Brien "Bob" \\ {{ 7*7 }} {% raw %}\n<b>Zoë</b> & co'
DJANGO_ANSWERS = {"purpose": "business-app", "accounts": "roles", "admin": "yes"}
# Files that carry the free text; every other file must be the same for any answers.
FREE_TEXT_FILES = {"README.md", "pyproject.toml", ".copier-answers.yml", "config/settings.py"}
ADMIN_USER, ADMIN_PASSWORD = "boss", "Sturdy-admin-passphrase-7"
SECRET_KEY = secrets.token_urlsafe(50)
FORWARDED = {"X-Forwarded-Proto": "https"}


def production_env(**extra: str) -> dict[str, str]:
    """What a platform sets: no DEBUG, a real key, the host names, a router in front."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BEHIND_PROXY": "1",
        "WEB_CONCURRENCY": "2",
        **extra,
    }


def release(project: Path, env: Mapping[str, str]) -> None:
    """Build and release steps: collect static files, migrate, create the superuser."""
    collected = bash(project, ".venv/bin/python manage.py collectstatic --noinput", env)
    assert "static files copied" in collected
    assert (project / "staticfiles" / "staticfiles.json").is_file()
    bash(project, procfile_command(project, "release"), env)
    superuser = {
        "DJANGO_SUPERUSER_USERNAME": ADMIN_USER,
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        "DJANGO_SUPERUSER_EMAIL": "boss@example.com",
        **env,
    }
    assert "Superuser created" in bash(project, ".venv/bin/python manage.py createsuperuser --noinput", superuser)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Created from answers that point to Django, then set up with the README's commands."""
    dest = tmp_path_factory.mktemp(TEMPLATE) / PROJECT
    answers = {
        **DJANGO_ANSWERS,
        "project_name": PROJECT,
        "description": HOSTILE_DESCRIPTION,
        "author_name": HOSTILE_AUTHOR,
    }
    args = ["create", str(dest), "--defaults", "--source", str(REPO / "templates")]
    for key, value in answers.items():
        args += ["-a", f"{key}={value}"]
    result = newproj(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    run_bash(dest, readme_block(dest, "Set up"))
    return dest


@pytest.fixture(scope="module")
def released(project: Path) -> Path:
    release(project, production_env())
    return project


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    answers = {**DJANGO_ANSWERS, "project_name": PROJECT}
    return generate(tmp_path_factory.mktemp("plain") / PROJECT, TEMPLATE, answers)


def committed_files(project: Path) -> dict[str, bytes]:
    names = bash(project, "git ls-files -z").split("\0")
    return {name: (project / name).read_bytes() for name in names if name}


# Generation -------------------------------------------------------------------


def test_answers_that_lead_to_django_give_this_template_and_say_why(project: Path) -> None:
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["template"] == TEMPLATE
    assert answers["framework"] == "django"
    assert {key: answers[key] for key in DJANGO_ANSWERS} == DJANGO_ANSWERS
    reasons = answers["decision_reasons"]
    assert isinstance(reasons, list) and len(reasons) >= 2
    assert all(isinstance(reason, str) and reason for reason in reasons)
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "Django was chosen because:" in readme
    assert reasons[0] in readme


@pytest.mark.parametrize(
    "answers",
    [
        {"purpose": "content", "pages": "yes"},
        {"purpose": "website", "accounts": "roles", "admin": "yes", "lifespan": "years"},
    ],
    ids=["content-site", "roles-and-admin"],
)
def test_other_answers_that_lead_to_django(answers: dict[str, str], tmp_path: Path) -> None:
    args = ["create", str(tmp_path / "shop_site"), "--defaults", "--no-git", "--source", str(REPO / "templates")]
    for key, value in answers.items():
        args += ["-a", f"{key}={value}"]
    result = newproj(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    recorded = yaml.safe_load((tmp_path / "shop_site" / ".copier-answers.yml").read_text())
    assert (recorded["template"], recorded["framework"]) == (TEMPLATE, "django")
    assert recorded["decision_reasons"]
    assert (tmp_path / "shop_site" / "manage.py").is_file()


def test_only_the_free_text_files_depend_on_the_answers(project: Path, plain: Path) -> None:
    hostile_files, plain_files = committed_files(project), committed_files(plain)
    assert hostile_files.keys() == plain_files.keys()
    differing = {name for name in plain_files if plain_files[name] != hostile_files[name]}
    assert differing <= FREE_TEXT_FILES
    settings_diff = [
        line
        for line in difflib.unified_diff(
            plain_files["config/settings.py"].decode().splitlines(),
            hostile_files["config/settings.py"].decode().splitlines(),
            lineterm="",
            n=0,
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert [line[1:].split(" = ")[0] for line in settings_diff] == ["SITE_DESCRIPTION"] * 2


def rendered_path(source: Path, answers: Mapping[str, str]) -> str:
    """Where a template file lands for these answers ("" when the answers leave it out)."""
    parts = []
    for part in source.relative_to(TEMPLATE_DIR).parts:
        name = jinja2.Template(part).render(**answers)
        if not name or name == ".jinja":
            return ""
        parts.append(name)
    return "/".join(parts)


def test_files_are_copied_verbatim_or_rendered_without_leftovers(plain: Path) -> None:
    rendered = committed_files(plain)
    answers = yaml.safe_load((plain / ".copier-answers.yml").read_text(encoding="utf-8"))
    for source in TEMPLATE_DIR.rglob("*"):
        if not source.is_file() or "{{ _copier_conf" in source.name:
            continue
        relative = rendered_path(source, answers)
        if not relative:
            continue
        if source.suffix == ".jinja":
            text = rendered[relative.removesuffix(".jinja")].decode()
            # GitHub Actions expressions are ${{ ... }}; test_pages.py holds {{ 7*7 }} on
            # purpose (hostile text); anything else is leftover Jinja.
            text = text.replace("{{ 7*7 }}", "")
            assert not re.findall(r"(?<!\$)\{\{|\{%|\{#", text), f"{relative} holds Jinja"
        else:
            # Django's own HTML templates among them: copied, never rendered by Copier.
            assert rendered[relative] == source.read_bytes(), relative
    assert (plain / "config" / "settings.py").is_file()
    assert (plain / PROJECT / "catalog" / "migrations" / "0001_initial.py").is_file()


def test_every_python_file_compiles_and_every_module_imports(project: Path) -> None:
    script = f"""
import importlib, os, pathlib, pkgutil
for path in pathlib.Path(".").rglob("*.py"):
    if ".venv" not in path.parts:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
count = 0
for name in ("config", "{PROJECT}", "tests"):
    package = importlib.import_module(name)
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(module.name)
        count += 1
from django.conf import settings
assert settings.SITE_DESCRIPTION == {HOSTILE_DESCRIPTION!r}
print("imported", count)
"""
    output = bash(project, f".venv/bin/python -c {shell_quote(script)}")
    assert int(re.search(r"imported (\d+)", output)[1]) >= 30


def shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


# The README's commands ----------------------------------------------------------


def test_readme_tests_pass(project: Path) -> None:
    output = bash(project, readme_block(project, "Tests"))
    summary = re.search(r"(\d+) passed(.*) in ([\d.]+)s", output)
    assert summary, output
    passed, rest = int(summary[1]), summary[2]
    assert passed >= 50
    assert "failed" not in rest and "skipped" not in rest and "error" not in rest
    assert "All checks passed!" in output  # ruff check
    assert "already formatted" in output  # ruff format --check
    assert "No changes detected" in output  # makemigrations --check --dry-run


def test_the_project_tests_pass_with_production_settings_too(project: Path) -> None:
    """The README runs them with .env (DEBUG=1); CI runs them with production variables."""
    output = bash(
        project,
        ".venv/bin/python -m pytest -q -p no:cacheprovider",
        {"DEBUG": "0", "SECRET_KEY": SECRET_KEY, "ALLOWED_HOSTS": "example.com"},
    )
    assert re.search(r"\d+ passed in", output), output
    assert "failed" not in output


def test_the_deployment_checklist_has_zero_issues(project: Path) -> None:
    output = bash(
        project,
        ".venv/bin/python manage.py check --deploy --fail-level WARNING",
        production_env(ALLOWED_HOSTS="shop.example.com"),
    )
    assert "System check identified no issues (1 silenced)." in output


def test_each_silenced_check_is_named_with_its_reason(project: Path) -> None:
    settings = (project / "config" / "settings.py").read_text(encoding="utf-8")
    block = re.search(r"^SILENCED_SYSTEM_CHECKS = \[\n(.*?)^\]", settings, re.M | re.S)
    assert block is not None
    silenced = re.findall(r'^\s+"([\w.]+)",', block[1], re.M)
    assert silenced == ["security.W021"]
    for check in silenced:
        assert re.search(rf"# {re.escape(check)}: \S.{{20,}}", block[1]), check


def test_migrations_match_the_models(project: Path) -> None:
    output = bash(project, ".venv/bin/python manage.py makemigrations --check --dry-run", production_env())
    assert "No changes detected" in output


def test_pre_commit_runs_ruff_and_refuses_conflict_markers(project: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    bash(project, f"git clone -q . {clone}")
    hooks = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    pre_commit = project / ".venv" / "bin" / "pre-commit"
    assert "Passed" in bash(clone, f"{pre_commit} run --all-files", hooks)

    (clone / "notes.txt").write_text(
        "<<<<<<< before updating\nmine\n=======\ntheirs\n>>>>>>> after updating\n", encoding="utf-8"
    )
    bash(clone, "git add notes.txt")
    result = subprocess.run(
        [str(pre_commit), "run", "check-merge-conflict", "--files", "notes.txt"],
        cwd=clone,
        env=project_env(project, hooks),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1
    assert "Merge conflict string" in result.stdout


@pytest.mark.parametrize("process", ["web", "release"])
def test_production_without_secret_key_refuses_to_start(project: Path, process: str) -> None:
    port = free_port()
    env = project_env(
        project,
        {
            "DEBUG": "0",
            "SECRET_KEY": "",  # set but empty: .env must not fill it in
            "PORT": str(port),
            "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",
        },
    )
    result = subprocess.run(
        ["bash", "-c", f"exec {procfile_command(project, process)}"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "Error: SECRET_KEY is not set." in result.stderr
    assert "Traceback" not in result.stderr


def test_setup_tests_and_release_leave_the_git_tree_clean(released: Path) -> None:
    assert bash(released, "git status --porcelain") == ""


# Over HTTP, under gunicorn ----------------------------------------------------------


def call(
    base: str,
    path: str,
    method: str = "GET",
    token: str | None = None,
    json_body: object = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A request as it arrives from the HTTPS router."""
    all_headers = {**FORWARDED, **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Token {token}"
    return fetch(base + path, method, json_body, all_headers)


def check_site(base: str) -> None:
    """Health, HTTPS handling, security headers, escaped free text, static files, the API."""
    health = fetch(base + "/health", headers={"Host": "10.0.3.7:8000"})  # a platform probe
    assert (health.status, health.json()) == (200, {"status": "ok", "database": "ok", "static": "ok"})

    plain_http = fetch(base + "/")
    assert plain_http.status == 301
    assert plain_http.headers["location"] == base.replace("http://", "https://") + "/"

    home = call(base, "/")
    assert home.status == 200
    assert home.headers["strict-transport-security"] == "max-age=3600; includeSubDomains"
    assert home.headers["x-frame-options"] == "DENY"
    assert home.headers["x-content-type-options"] == "nosniff"
    assert home.headers["referrer-policy"] == "same-origin"
    assert home.headers["cross-origin-opener-policy"] == "same-origin"
    assert "script-src 'self'" in home.headers["content-security-policy"]
    assert html.escape(HOSTILE_DESCRIPTION).replace("\n", "<br>") in home.text
    assert "<script>alert" not in home.text
    assert call(base, "/", headers={"Host": "evil.example"}).status == 400

    check_static_files(base, home.text)
    check_api(base)


def check_static_files(base: str, page: str) -> None:
    """The stylesheet, by its hashed name, from WhiteNoise: compressed and cached for good."""
    stylesheet = re.search(r'href="(/static/pages/site\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, page
    css = call(base, stylesheet[1], headers={"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["content-encoding"] == "gzip"
    assert "immutable" in css.headers["cache-control"]
    bundle = "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert call(base, bundle).status == 200
    icon = call(base, "/favicon.ico")
    assert (icon.status, icon.headers["content-type"]) == (200, "image/x-icon")


def check_api(base: str) -> None:
    """Token sign-in, then create, read, update, list, filter and delete a product."""
    assert call(base, "/api/products/").status == 401
    basic = base64.b64encode(f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()).decode()
    assert call(base, "/api/products/", headers={"Authorization": f"Basic {basic}"}).status == 401

    wrong = call(base, "/api/auth/token/", "POST", json_body={"username": ADMIN_USER, "password": "not it"})
    assert wrong.status == 401
    signed_in = call(base, "/api/auth/token/", "POST", json_body={"username": ADMIN_USER, "password": ADMIN_PASSWORD})
    assert signed_in.status == 200
    token = signed_in.json()["token"]

    name = "Tea <b>&</b> 'cake' \"set\""
    sku = f"set-{secrets.token_hex(4)}"
    created = call(
        base,
        "/api/products/",
        "POST",
        token,
        {"name": name, "sku": sku, "price": "12.50", "description": HOSTILE_DESCRIPTION},
    )
    assert created.status == 201, created.text
    product = created.json()
    assert (product["name"], product["created_by"]) == (name, ADMIN_USER)
    assert product["description"] == HOSTILE_DESCRIPTION
    url = f"/api/products/{product['id']}/"

    assert call(base, url, token=token).json() == product
    patched = call(base, url, "PATCH", token, {"price": "9.99", "in_stock": False})
    assert (patched.status, patched.json()["price"]) == (200, "9.99")
    listing = call(base, "/api/products/?in_stock=false&max_price=10", token=token).json()
    assert sku in [item["sku"] for item in listing["results"]]
    assert set(listing) == {"count", "next", "previous", "results"}
    searched = call(base, f"/api/products/?search={sku}", token=token).json()
    assert searched["count"] == 1

    assert call(base, url, "DELETE", token).status == 204
    assert call(base, url, token=token).status == 404
    assert call(base, "/api/products/", "POST", token, {"name": ""}).status == 400


def test_gunicorn_from_the_procfile_serves_the_site_on_sqlite(released: Path) -> None:
    with serve(released, production_env()) as base:
        check_site(base)


def test_the_same_on_postgresql(project: Path, postgres: object) -> None:
    url = postgres.new_database()
    env = production_env(DATABASE_URL=url)
    release(project, env)
    assert "No changes detected" in bash(project, ".venv/bin/python manage.py makemigrations --check --dry-run", env)
    # The project's own tests on PostgreSQL, as its CI workflow runs them.
    tests = bash(project, ".venv/bin/python -m pytest -q -p no:cacheprovider", env)
    assert re.search(r"\d+ passed in", tests) and "failed" not in tests, tests
    # Serve with the postgres:// spelling some platforms use.
    heroku_style = production_env(DATABASE_URL=url.replace("postgresql://", "postgres://", 1))
    with serve(project, heroku_style) as base:
        check_site(base)
        token = call(
            base, "/api/auth/token/", "POST", json_body={"username": ADMIN_USER, "password": ADMIN_PASSWORD}
        ).json()["token"]
        kept = call(
            base, "/api/products/", "POST", token, {"name": "Stored in PostgreSQL", "sku": "pg-row", "price": "1.00"}
        )
        assert kept.status == 201

    query = (
        "import os, psycopg\n"
        "with psycopg.connect(os.environ['DATABASE_URL']) as db:\n"
        "    print(db.execute('SELECT name FROM catalog_product').fetchall())\n"
        "    print(db.execute(\"SELECT name FROM django_migrations WHERE app = 'catalog'\").fetchall())\n"
        "    print(db.execute('SELECT username, is_superuser FROM accounts_user').fetchall())\n"
    )
    rows = bash(project, f".venv/bin/python -c {shell_quote(query)}", {"DATABASE_URL": url})
    assert "Stored in PostgreSQL" in rows
    assert "0001_initial" in rows
    assert f"('{ADMIN_USER}', True)" in rows


# Attacks and faults, under gunicorn ------------------------------------------------


def make_user(project: Path, username: str, password: str, env: Mapping[str, str]) -> None:
    code = (
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user({username!r}, f'{username}@example.com', {password!r})"
    )
    bash(project, f".venv/bin/python manage.py shell --no-imports -c {shell_quote(code)}", env)


def token_answer(base: str, username: str, password: str) -> Response:
    return call(base, "/api/auth/token/", "POST", json_body={"username": username, "password": password})


def test_roles_tokens_and_sign_in_limits_over_http(released: Path) -> None:
    """Writes need a token; a role without the permission gets 403; a lockout holds."""
    env = production_env()
    for name in ("erin", "victim"):
        make_user(released, name, f"{name}-Passphrase-8", env)
    with serve(released, env) as base:
        product = {"name": "Role test", "sku": f"role-{secrets.token_hex(3)}", "price": "2.00"}
        assert call(base, "/api/products/", "POST", json_body=product).status == 401
        token = token_answer(base, "erin", "erin-Passphrase-8").json()["token"]
        assert call(base, "/api/products/", token=token).status == 200
        assert call(base, "/api/products/", "POST", token, product).status == 403
        code = (
            "from django.contrib.auth.models import Group, Permission; "
            "from django.contrib.auth import get_user_model; "
            "erin = get_user_model().objects.get(username='erin'); "
            "erin.groups.add(Group.objects.get(name='Editors'))"
        )
        bash(released, f".venv/bin/python manage.py shell --no-imports -c {shell_quote(code)}", env)
        assert call(base, "/api/products/", "POST", token, product).status == 201

        # 27 guesses at victim's password, a good sign-in of erin after every 9 (two
        # workers, one database): the guesses keep counting; the 10th locks victim out,
        # and from then on the API answers 429 with Retry-After, the right password too.
        guesses = []
        for _ in range(3):
            guesses += [token_answer(base, "victim", "guess").status for _ in range(9)]
            assert token_answer(base, "erin", "erin-Passphrase-8").status == 200
        assert guesses == [401] * 9 + [429] * 18
        locked = token_answer(base, "victim", "victim-Passphrase-8")
        assert (locked.status, "token" in locked.json()) == (429, False)
        assert locked.headers["retry-after"] == str(15 * 60)
        assert token_answer(base, "erin", "erin-Passphrase-8").status == 200


def test_the_procfile_never_runs_in_debug_with_the_env_file_present(released: Path) -> None:
    assert "DEBUG" not in os.environ  # the probe needs DEBUG unset, as on a server
    dotenv = (released / ".env").read_text(encoding="utf-8")
    assert "SECRET_KEY=" in dotenv
    env = {key: value for key, value in production_env().items() if key != "DEBUG"}
    with serve(released, env) as base:
        missing = call(base, "/nope")
        assert missing.status == 404
        assert "URLconf" not in missing.text and "Traceback" not in missing.text


def test_health_gives_up_on_a_database_that_never_answers(released: Path) -> None:
    with silent_database() as url, web_process(released, production_env(DATABASE_URL=url)) as base:
        # DATABASE_CONNECT_TIMEOUT (5 s) ends the wait long before gunicorn's 25 s.
        health = fetch(base + "/health", timeout=20)
        assert health.status == 503
        assert health.json()["database"] == "unavailable"


# In a browser --------------------------------------------------------------------


ADMIN_PATH = "staff-console/"


@pytest.fixture(scope="module")
def site(released: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The production site behind an HTTPS proxy, with the admin at a custom path."""
    with (
        serve(released, production_env(ADMIN_URL=ADMIN_PATH)) as backend,
        https_proxy(backend, tmp_path_factory.mktemp("tls")) as base,
    ):
        yield base


@pytest.fixture
def page(browser: object, site: str) -> Iterator[object]:
    context = browser.new_context(ignore_https_errors=True, base_url=site)
    page = context.new_page()
    page.problems = []  # console errors, dialogs and requests to other origins
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: r.url.startswith((site, "data:")) or page.problems.append(r.url))
    try:
        yield page
    finally:
        context.close()


def sign_in_to_admin(page: object) -> None:
    page.goto(f"/{ADMIN_PATH}")
    assert page.url.endswith(f"/{ADMIN_PATH}login/?next=/{ADMIN_PATH}")
    page.fill("#id_username", ADMIN_USER)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    assert page.title().startswith("Site administration")


def distinct_colours(page: object, png: Path) -> int:
    """Decode a PNG in the browser and count the colours of a sample of its pixels."""
    data = base64.b64encode(png.read_bytes()).decode()
    page.goto("about:blank")
    return page.evaluate(
        """async (data) => {
            const image = new Image();
            image.src = "data:image/png;base64," + data;
            await image.decode();
            const canvas = document.createElement("canvas");
            canvas.width = image.width;
            canvas.height = image.height;
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            const pixels = context.getImageData(0, 0, image.width, image.height).data;
            const seen = new Set();
            for (let i = 0; i < pixels.length; i += 4 * 97) {
                seen.add(pixels[i] << 16 | pixels[i + 1] << 8 | pixels[i + 2]);
            }
            return seen.size;
        }""",
        data,
    )


@pytest.mark.browser
def test_admin_create_then_read_through_the_api(page: object, site: str, tmp_path: Path) -> None:
    sign_in_to_admin(page)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"]
    assert cookies["csrftoken"]["secure"]

    page.click("a[href$='/catalog/product/add/']")
    name = "Browser teapot <script>alert('admin')</script>"
    page.fill("#id_name", name)
    page.fill("#id_sku", "browser-teapot")
    page.fill("#id_price", "24.00")
    page.fill("#id_description", HOSTILE_DESCRIPTION)
    page.click("input[name=_save]")
    page.wait_for_selector("#result_list")
    assert page.url.endswith(f"/{ADMIN_PATH}catalog/product/")
    row = page.locator("#result_list tbody tr", has_text="browser-teapot")
    assert row.locator("th a").inner_text() == name
    assert row.locator("td.field-price").inner_text() == "24.00"

    shot = tmp_path / "admin-list.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert distinct_colours(page, shot) >= 8

    response = page.goto("/api/products/?format=json&search=browser-teapot")
    assert response.status == 200
    listing = response.json()
    assert listing["count"] == 1
    assert listing["results"][0]["name"] == name
    # Browsers submit a textarea's line breaks as CRLF.
    assert listing["results"][0]["description"] == HOSTILE_DESCRIPTION.replace("\n", "\r\n")
    assert listing["results"][0]["created_by"] == ADMIN_USER
    assert page.problems == []


@pytest.mark.browser
def test_the_api_docs_render_from_this_site_alone(page: object, site: str) -> None:
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert page.url.endswith("/api/docs/")
    assert page.locator(".swagger-ui .info .title").inner_text().startswith(f"{PROJECT} API")
    page.wait_for_selector(".opblock-summary-path >> text=/api/products/")
    assert page.locator(".opblock").count() >= 6
    assert page.problems == []  # no CSP violation, no request to a CDN


@pytest.mark.browser
def test_pages_sign_in_and_out(page: object, site: str) -> None:
    page.goto("/")
    assert page.locator(".lead").inner_text() == HOSTILE_DESCRIPTION
    page.goto("/dashboard/")
    assert page.url.endswith("/accounts/login/?next=/dashboard/")
    assert page.locator(".brand").inner_text() == PROJECT
    page.fill("#id_username", ADMIN_USER)
    page.fill("#id_password", "wrong password")
    page.click("button[type=submit]")
    assert "didn't match" in page.locator(".error").inner_text()
    page.fill("#id_username", ADMIN_USER)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1 >> text=Dashboard")
    assert page.url.endswith("/dashboard/")
    assert f"Hello, {ADMIN_USER}" in page.content()

    page.click("text=Sign out")
    page.wait_for_url(site + "/")
    assert page.locator("nav >> text=Sign in").is_visible()
    page.goto("/dashboard/")
    assert "/accounts/login/" in page.url
    assert page.problems == []


def console_mail(project: Path) -> str:
    """What the running site printed, where its console e-mail backend writes."""
    return "".join(log.read_text(errors="replace") for log in sorted(project.glob(".serve-*.log")))


@pytest.mark.browser
def test_sign_up_reset_the_password_by_e_mail_and_stay_out_of_the_admin(
    page: object, site: str, released: Path
) -> None:
    page.goto("/accounts/signup/")
    page.fill("#id_username", "carol")
    page.fill("#id_email", "carol@example.com")
    page.fill("#id_password1", "First-passphrase-31")
    page.fill("#id_password2", "First-passphrase-31")
    page.click("button[type=submit]")
    page.wait_for_selector("h1 >> text=Dashboard")
    assert "Hello, carol" in page.content()

    # Signed in, but not staff: the admin asks for a staff account.
    page.goto(f"/{ADMIN_PATH}")
    assert "/login/" in page.url
    assert page.locator("#site-name").count() == 1 and "Site administration" not in page.title()

    page.goto("/")
    page.click("text=Sign out")
    page.wait_for_url(site + "/")
    page.goto("/accounts/password_reset/")
    page.fill("#id_email", "carol@example.com")
    page.click("button[type=submit]")
    page.wait_for_selector("h1 >> text=Check your e-mail")
    links = re.findall(r"https://127\.0\.0\.1:\d+/accounts/reset/\S+/", console_mail(released))
    assert links, console_mail(released)[-3000:]
    assert links[-1].startswith(site)
    page.goto(links[-1])
    page.fill("#id_new_password1", "Second-passphrase-47")
    page.fill("#id_new_password2", "Second-passphrase-47")
    page.click("button[type=submit]")
    page.wait_for_selector("h1 >> text=Password changed")

    page.goto("/accounts/login/")
    page.fill("#id_username", "carol")
    page.fill("#id_password", "Second-passphrase-47")
    page.click("button[type=submit]")
    page.wait_for_selector("h1 >> text=Dashboard")
    assert page.problems == []
