"""Scale past one machine (issue 12): two instances of each project, each gunicorn with three
workers as its Procfile starts it, behind one round-robin router, sharing one real
PostgreSQL database and one real Redis on 127.0.0.1.

The router (tests/support/traffic.py, forwarded=True) appends the client's address to
X-Forwarded-For and connects to the instances from 127.0.0.2; the projects are told, as
their READMEs say, BEHIND_PROXY=1 and TRUSTED_PROXIES=127.0.0.2/32. Each test plays a
client from its own loopback address (127.0.0.11, .12, ...), so the per-address counts of
one test never touch another's.

Proved for flask-webapp and django-fullstack (accounts=login): the sign-in limit answers
exactly its documented number of attempts (not limit x instances x workers), through
worker restarts (SIGHUP to both masters), with another account's good sign-ins in between,
without Redis (the database holds it), and whatever X-Forwarded-For a client writes,
directly to an instance or through the router; Flask-Limiter's limits hold across the
instances through Redis; with Redis stopped mid-run /health says so, sign-in goes on, and
Flask-Limiter falls back to each worker's memory instead of answering 500. Django's API
request limits (DRF throttles in the Redis cache) answer exactly their number across the
instances, then 429 with Retry-After, and its locked-out token sign-in answers 429 too.

flask-api is left out: it keeps no shared state (its README: no rate limit, no cache,
no REDIS_URL).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.support.flask_webapp import project_for
from tests.support.harness import (
    Response,
    bash,
    fetch,
    generate,
    procfile_command,
    quote,
    readme_block,
    run_bash,
)
from tests.support.services import PostgresServer, RedisServer, redis_server
from tests.support.traffic import Cluster, serve_instances

pytestmark = pytest.mark.e2e

ROUTER_ADDRESS = "127.0.0.2"
ROUTER_TRUST = {"BEHIND_PROXY": "1", "TRUSTED_PROXIES": f"{ROUTER_ADDRESS}/32", "WEB_CONCURRENCY": "3"}
PASSWORD = "Correct-horse-battery-9"  # noqa: S105 (made-up test accounts)
WRONG = "not-the-password"


class Visitor:
    """One browser-like client on its own loopback address: a cookie jar, one request per connection."""

    def __init__(self, base: str, address: str, headers: Mapping[str, str] | None = None) -> None:
        parts = urllib.parse.urlsplit(base)
        assert parts.hostname == "127.0.0.1" and address.startswith("127.")
        self.host, self.port, self.address = parts.hostname, int(parts.port or 80), address
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}
        self.token: dict[str, str] = {}  # the sign-in form's CSRF field, fetched once

    def form_token(self, path: str, field: str) -> dict[str, str]:
        """GET the form once for its CSRF field; later POSTs reuse it, as a browser tab would.

        One GET, then only POSTs: each POST is a new connection, so the router hands them
        to the two instances in turn.
        """
        if not self.token:
            page = self.request("GET", path)
            found = re.search(rf'name="{field}"[^>]* value="([^"]+)"', page.text)
            assert page.status == 200 and found, (page.status, page.text[:2000])
            self.token = {field: found[1]}
        return self.token

    def forget(self) -> None:
        """Signed in: start again as a new browser."""
        self.cookies.clear()
        self.token = {}

    def request(
        self, method: str, path: str, form: Mapping[str, str] | None = None, json_body: object = None
    ) -> Response:
        headers = {**self.headers, "Host": f"{self.host}:{self.port}", "Connection": "close"}
        # What a browser sends with a form it got from this site over HTTPS.
        headers["Referer"] = f"https://{self.host}:{self.port}{path}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30, source_address=(self.address, 0))
        try:
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            for line in reply.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(line).items():
                    self.cookies[name] = morsel.value
            return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read())
        finally:
            connection.close()


# gunicorn, read from the log harness.serve writes for each instance -----------------------


def instance_log(project: Path, instance: str) -> str:
    return (project / f".serve-{instance.rsplit(':', 1)[1]}.log").read_text(errors="replace")


def restart_workers(project: Path, cluster: Cluster) -> None:
    """SIGHUP each instance's gunicorn master; return once each runs three new workers only."""
    before = {url: instance_log(project, url) for url in cluster.instances}
    for log in before.values():
        os.kill(int(re.findall(r"Listening at: \S+ \((\d+)\)", log)[0]), signal.SIGHUP)
    for url, log in before.items():
        old = set(re.findall(r"Booting worker with pid: (\d+)", log))
        assert len(old) == 3, log[-3000:]
        deadline = time.monotonic() + 60
        while True:
            now = instance_log(project, url)
            booted = set(re.findall(r"Booting worker with pid: (\d+)", now)) - old
            exited = set(re.findall(r"Worker exiting \(pid: (\d+)\)", now))
            if len(booted) == 3 and old <= exited:
                break
            assert time.monotonic() < deadline, f"workers of {url} did not restart:\n{now[-3000:]}"
            time.sleep(0.1)
        assert fetch(url + "/health").status == 200


def posts_served(project: Path, cluster: Cluster, path: str) -> list[int]:
    """How many POSTs to path each instance's access log shows."""
    return [instance_log(project, url).count(f'"POST {path} ') for url in cluster.instances]


def set_up_shop(dest: Path) -> Path:
    """django-fullstack with accounts=login, set up as its README says (.env holds the key)."""
    answers = {"project_name": "demo_shop", "purpose": "business-app", "accounts": "login"}
    project = generate(dest, "django-fullstack", answers)
    run_bash(project, readme_block(project, "Set up"))
    return project


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both projects rendered and set up side by side: their installs overlap."""
    root = tmp_path_factory.getbasetemp()
    with ThreadPoolExecutor(2) as pool:
        webapp = pool.submit(project_for, "login-few", root / "flask-webapp")
        shop = pool.submit(set_up_shop, root / "scale-django" / "demo_shop")
        return {"flask-webapp": webapp.result(), "django-fullstack": shop.result()}


def behind_the_router(
    project: Path, env: Mapping[str, str], redis_url: str = ""
) -> contextlib.AbstractContextManager[Cluster]:
    """Two instances, three workers each, behind the router, trusting it as the README says."""
    settings = {**env, **ROUTER_TRUST, **({"REDIS_URL": redis_url} if redis_url else {})}
    return serve_instances(project, 2, settings, forwarded=True, source=ROUTER_ADDRESS)


@dataclass(frozen=True)
class SignInForm:
    path: str
    csrf_field: str
    who_field: str
    wrong: str  # what the page says to a wrong password

    def attempt(self, visitor: Visitor, who: str, password: str) -> int:
        """POST the form: 200 = wrong, 302 = signed in, 429 = refused."""
        form = {**visitor.form_token(self.path, self.csrf_field), self.who_field: who, "password": password}
        answer = visitor.request("POST", self.path, form=form)
        if answer.status == 200:
            assert self.wrong in answer.text, answer.text[:3000]
        if answer.status == 302:
            visitor.forget()
        return answer.status


@pytest.fixture(scope="module")
def shared_redis() -> Iterator[RedisServer]:
    """This module's own Redis: one test stops it mid-run, so it is nobody else's."""
    with redis_server() as server:
        yield server


@contextlib.contextmanager
def redis_outage(server: RedisServer) -> Iterator[None]:
    server.halt()
    try:
        yield
    finally:
        server.start()


# flask-webapp ---------------------------------------------------------------------------


# Failures count per e-mail address whether or not it has an account; bob and carol have none.
FLASK_USERS = ("alice@example.com", "mallory@example.com")


@pytest.fixture(scope="module")
def webapp(rendered: dict[str, Path], postgres: PostgresServer) -> tuple[Path, dict[str, str]]:
    """accounts=login, set up as its README says, released into PostgreSQL, with two accounts."""
    project = rendered["flask-webapp"]
    env = {"DATABASE_URL": postgres.new_database()}
    bash(project, procfile_command(project, "release"), env)
    for email in FLASK_USERS:
        bash(project, f".venv/bin/flask --app demo_site users create {email} --password {PASSWORD}", env)
    return project, env


@pytest.fixture(scope="class")
def webapp_cluster(webapp: tuple[Path, dict[str, str]], shared_redis: RedisServer) -> Iterator[Cluster]:
    """Two instances behind the router, sharing PostgreSQL and Redis (while the class runs)."""
    with behind_the_router(*webapp, shared_redis.new_database()) as cluster:
        yield cluster


class TestFlaskWebapp:
    @pytest.fixture
    def cluster(self, webapp_cluster: Cluster) -> Cluster:
        return webapp_cluster

    sign_in = staticmethod(SignInForm("/auth/login", "csrf_token", "email", "Wrong e-mail or password.").attempt)

    def test_the_account_limit_holds_across_instances_and_worker_restarts(
        self, webapp: tuple[Path, dict[str, str]], cluster: Cluster
    ) -> None:
        project, _ = webapp
        attacker = Visitor(cluster.url, "127.0.0.11")
        statuses = [self.sign_in(attacker, "alice@example.com", WRONG) for _ in range(3)]
        restart_workers(project, cluster)
        statuses += [self.sign_in(attacker, "alice@example.com", WRONG) for _ in range(4)]
        # README: after SIGN_IN_FAILURES_PER_ACCOUNT (5) failures the account is refused.
        assert statuses == [200] * 5 + [429] * 2
        assert self.sign_in(attacker, "alice@example.com", PASSWORD) == 429
        assert all(count >= 3 for count in posts_served(project, cluster, "/auth/login"))

    def test_good_sign_ins_of_another_account_buy_no_guesses(self, cluster: Cluster) -> None:
        guesses, own = Visitor(cluster.url, "127.0.0.12"), Visitor(cluster.url, "127.0.0.12")
        statuses = []
        for _ in range(4):
            statuses += [self.sign_in(guesses, "bob@example.com", WRONG) for _ in range(2)]
            assert self.sign_in(own, "mallory@example.com", PASSWORD) == 302
        assert statuses == [200] * 5 + [429] * 3

    def test_a_written_x_forwarded_for_buys_no_fresh_attempts(self, cluster: Cluster) -> None:
        # One client guessing at many addresses (so no account limit applies), half the
        # time straight at an instance, half through the router, always claiming to be
        # someone new: every attempt counts against its real address (20 allowed).
        statuses = []
        for number in range(22):
            claim = {"X-Forwarded-For": f"198.51.100.{number}", "X-Forwarded-Proto": "https"}
            base = cluster.instances[number % 2] if number % 4 < 2 else cluster.url
            visitor = Visitor(base, "127.0.0.13", claim)
            statuses.append(self.sign_in(visitor, f"guess{number}@example.com", WRONG))
        assert statuses == [200] * 20 + [429] * 2

    def test_flask_limiter_limits_hold_across_instances_through_redis(self, cluster: Cluster) -> None:
        # The POSTs alternate between the instances: with each worker counting in memory
        # none would see more than four.
        visitor = Visitor(cluster.url, "127.0.0.14")
        statuses = []
        for _ in range(7):
            form = {**visitor.form_token("/auth/reset", "csrf_token"), "email": "carol@example.com"}
            statuses.append(visitor.request("POST", "/auth/reset", form=form).status)
        # RESET_RATE_LIMIT: 5 per hour per client address, whichever of six workers answers.
        assert statuses == [302] * 5 + [429] * 2

    def test_without_redis_the_database_still_holds_the_sign_in_limit(
        self, webapp: tuple[Path, dict[str, str]]
    ) -> None:
        project, env = webapp
        with behind_the_router(project, env) as cluster:
            attacker = Visitor(cluster.url, "127.0.0.15")
            statuses = [self.sign_in(attacker, "carol@example.com", WRONG) for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2

    def test_with_redis_stopped_health_says_so_and_sign_in_goes_on(
        self, cluster: Cluster, shared_redis: RedisServer
    ) -> None:
        healthy = {"status": "ok", "database": "ok", "redis": "ok"}
        with redis_outage(shared_redis):
            for url in cluster.instances:
                health = fetch(url + "/health", headers={"Host": "10.0.3.7:8000"})
                assert (health.status, health.json()) == (
                    503,
                    {"status": "error", "database": "ok", "redis": "unreachable"},
                )
            visitor = Visitor(cluster.url, "127.0.0.16")
            assert self.sign_in(visitor, "mallory@example.com", PASSWORD) == 302
            # Flask-Limiter's limits fall back to each worker's memory: no 500.
            for _ in range(2):
                form = {**visitor.form_token("/auth/reset", "csrf_token"), "email": "mallory@example.com"}
                assert visitor.request("POST", "/auth/reset", form=form).status == 302
        for url in cluster.instances:
            health = fetch(url + "/health")
            assert (health.status, health.json()) == (200, healthy)


# django-fullstack -----------------------------------------------------------------------


DJANGO_USERS = ("alice", "bob", "mallory", "carol")
DJANGO_PRODUCTION = {"DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}


@pytest.fixture(scope="module")
def shop(rendered: dict[str, Path], postgres: PostgresServer) -> tuple[Path, dict[str, str]]:
    """accounts=login, released into PostgreSQL (static files collected first), four accounts."""
    project = rendered["django-fullstack"]
    env = {**DJANGO_PRODUCTION, "DATABASE_URL": postgres.new_database()}
    bash(project, ".venv/bin/python manage.py collectstatic --noinput", env)
    bash(project, procfile_command(project, "release"), env)
    code = (
        "from django.contrib.auth import get_user_model\n"
        f"for name in {DJANGO_USERS!r}:\n"
        f"    get_user_model().objects.create_user(name, name + '@example.com', {PASSWORD!r})\n"
    )
    bash(project, f".venv/bin/python manage.py shell --no-imports -c {quote(code)}", env)
    return project, env


# The API's request limits (DRF throttles, README: API_ANON_RATE_LIMIT, API_USER_RATE_LIMIT),
# per day (counted per day on the clock) so that no window ends during a test.
API_LIMITS = {"API_ANON_RATE_LIMIT": "7/day", "API_USER_RATE_LIMIT": "5/day"}


@pytest.fixture(scope="class")
def shop_cluster(shop: tuple[Path, dict[str, str]], shared_redis: RedisServer) -> Iterator[Cluster]:
    project, env = shop
    with behind_the_router(project, {**env, **API_LIMITS}, shared_redis.new_database()) as cluster:
        yield cluster


def gets_served(project: Path, cluster: Cluster, path: str) -> list[int]:
    """How many GETs of path each instance's access log shows."""
    return [instance_log(project, url).count(f'"GET {path} ') for url in cluster.instances]


class TestDjangoFullstack:
    @pytest.fixture
    def cluster(self, shop_cluster: Cluster) -> Cluster:
        return shop_cluster

    sign_in = staticmethod(SignInForm("/accounts/login/", "csrfmiddlewaretoken", "username", "didn't match").attempt)

    @staticmethod
    def token(visitor: Visitor, username: str, password: str) -> Response:
        return visitor.request("POST", "/api/auth/token/", json_body={"username": username, "password": password})

    def test_the_lockout_holds_across_instances_and_worker_restarts(
        self, shop: tuple[Path, dict[str, str]], cluster: Cluster
    ) -> None:
        project, _ = shop
        attacker = Visitor(cluster.url, "127.0.0.21")
        statuses = [self.sign_in(attacker, "alice", WRONG) for _ in range(5)]
        restart_workers(project, cluster)
        statuses += [self.sign_in(attacker, "alice", WRONG) for _ in range(7)]
        # README: after 10 failures the account and address pair is locked out; the 10th
        # failure is itself answered with the lockout.
        assert statuses == [200] * 9 + [429] * 3
        assert self.sign_in(attacker, "alice", PASSWORD) == 429
        # The API's token sign-in shares the lock: 429 with the whole cool-off to wait,
        # even for the right password.
        refused = self.token(attacker, "alice", PASSWORD)
        assert (refused.status, "token" in refused.json()) == (429, False)
        assert refused.headers["retry-after"] == str(15 * 60)
        assert all(count >= 5 for count in posts_served(project, cluster, "/accounts/login/"))

    def test_good_sign_ins_of_another_account_buy_no_guesses(self, cluster: Cluster) -> None:
        attacker = Visitor(cluster.url, "127.0.0.22")
        statuses = []
        for _ in range(4):
            statuses += [self.sign_in(attacker, "bob", WRONG) for _ in range(3)]
            assert self.sign_in(attacker, "mallory", PASSWORD) == 302
        assert statuses == [200] * 9 + [429] * 3

    def test_a_written_x_forwarded_for_buys_no_fresh_attempts(self, cluster: Cluster) -> None:
        # Guesses at one account, half straight at an instance (claiming HTTPS and a new
        # address each time), half through the router: all count against 127.0.0.23.
        statuses = []
        for number in range(12):
            claim = {"X-Forwarded-For": f"198.51.100.{number}", "X-Forwarded-Proto": "https"}
            base = cluster.instances[number % 2] if number % 4 < 2 else cluster.url
            statuses.append(self.sign_in(Visitor(base, "127.0.0.23", claim), "carol", WRONG))
        assert statuses == [200] * 9 + [429] * 3

    def test_the_api_request_limits_hold_across_instances_through_redis(
        self, shop: tuple[Path, dict[str, str]], cluster: Cluster
    ) -> None:
        project, _ = shop
        # Anonymous reads from one address, half straight at an instance (claiming a new
        # address each time), half through the router: 7 a day, whichever of six
        # workers answers.
        before = gets_served(project, cluster, "/api/products/")
        answers = []
        for number in range(9):
            claim = {"X-Forwarded-For": f"198.51.100.{number}", "X-Forwarded-Proto": "https"}
            base = cluster.instances[number % 2] if number % 4 < 2 else cluster.url
            answers.append(Visitor(base, "127.0.0.26", claim).request("GET", "/api/products/"))
        assert [answer.status for answer in answers] == [200] * 7 + [429] * 2
        assert 0 < int(answers[-1].headers["retry-after"]) <= 24 * 3600
        after = gets_served(project, cluster, "/api/products/")
        assert all(now - then >= 3 for now, then in zip(after, before, strict=True))
        # With a token the account is counted, from whatever address: 5 a day.
        token = self.token(Visitor(cluster.url, "127.0.0.27"), "mallory", PASSWORD).json()["token"]
        signed = {"Authorization": f"Token {token}"}
        statuses = [
            Visitor(cluster.url, f"127.0.0.{address}", signed).request("GET", "/api/products/").status
            for address in range(28, 35)
        ]
        assert statuses == [200] * 5 + [429] * 2

    def test_the_api_request_limits_hold_for_requests_sent_at_once(self, cluster: Cluster) -> None:
        # 30 requests at the same moment, spread over six workers of four threads: exactly
        # the limit passes. (A count read and then written back let requests that read it
        # together all pass.)
        def anonymous(_: int) -> int:
            return Visitor(cluster.url, "127.0.0.40").request("GET", "/api/products/").status

        with ThreadPoolExecutor(30) as pool:
            statuses = list(pool.map(anonymous, range(30)))
        assert sorted(statuses) == [200] * 7 + [429] * 23
        token = self.token(Visitor(cluster.url, "127.0.0.41"), "bob", PASSWORD).json()["token"]

        def signed(number: int) -> int:
            visitor = Visitor(cluster.url, f"127.0.0.{42 + number}", {"Authorization": f"Token {token}"})
            return visitor.request("GET", "/api/products/").status

        with ThreadPoolExecutor(30) as pool:
            statuses = list(pool.map(signed, range(30)))
        assert sorted(statuses) == [200] * 5 + [429] * 25

    def test_health_keeps_one_redis_connection_per_worker(self, cluster: Cluster, shared_redis: RedisServer) -> None:
        before = shared_redis.connections_received()
        for number in range(30):
            assert fetch(cluster.instances[number % 2] + "/health").status == 200
        # Six workers: at most one connection each (it was one per probe), plus the
        # INFO query's own.
        assert shared_redis.connections_received() - before <= 6 + 1
        # A Redis that hangs: each probe gives up (after HEALTH's 3 s, within fetch's
        # 10 s) and says so; once it answers again, the next probe sees it.
        shared_redis.pause()
        try:
            for url in cluster.instances:
                health = fetch(url + "/health")
                assert (health.status, health.json()["redis"]) == (503, "unavailable")
        finally:
            shared_redis.resume()
        for url in cluster.instances:
            assert fetch(url + "/health").json() == {"status": "ok", "database": "ok", "static": "ok", "redis": "ok"}

    def test_without_redis_the_database_still_holds_the_lockout(self, shop: tuple[Path, dict[str, str]]) -> None:
        project, env = shop
        with behind_the_router(project, env) as cluster:
            attacker = Visitor(cluster.url, "127.0.0.24")
            statuses = [self.sign_in(attacker, "carol", WRONG) for _ in range(11)]
        assert statuses == [200] * 9 + [429] * 2

    def test_with_redis_stopped_health_says_so_and_sign_in_goes_on(
        self, cluster: Cluster, shared_redis: RedisServer
    ) -> None:
        with redis_outage(shared_redis):
            for url in cluster.instances:
                health = fetch(url + "/health", headers={"Host": "10.0.3.7:8000"})
                assert (health.status, health.json()) == (
                    503,
                    {"status": "error", "database": "ok", "static": "ok", "redis": "unavailable"},
                )
            assert self.sign_in(Visitor(cluster.url, "127.0.0.25"), "mallory", PASSWORD) == 302
        for url in cluster.instances:
            health = fetch(url + "/health")
            assert (health.status, health.json()) == (
                200,
                {"status": "ok", "database": "ok", "static": "ok", "redis": "ok"},
            )
