from collections.abc import Callable

from flask import Flask, request
from flask.testing import FlaskClient


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for response in (client.get("/health"), client.get("/missing")):
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert headers["Strict-Transport-Security"] == "max-age=3600"


def test_no_hsts_in_debug_mode(make_app: Callable[..., Flask]) -> None:
    response = make_app(FLASK_DEBUG="1").test_client().get("/health")
    assert "Strict-Transport-Security" not in response.headers


def test_only_trusted_hosts_are_answered(make_app: Callable[..., Flask]) -> None:
    client = make_app(TRUSTED_HOSTS="api.example.com").test_client()
    assert client.get("/", base_url="https://api.example.com").status_code == 200
    response = client.get("/", base_url="https://other.example")
    assert response.status_code == 400
    assert response.get_json()["status"] == 400


def test_health_answers_on_any_host(make_app: Callable[..., Flask]) -> None:
    # Platform and load-balancer probes call the instance by its own address.
    client = make_app(TRUSTED_HOSTS="api.example.com").test_client()
    for host in ("10.0.3.7:8000", "[fd00::7]:8000", "evil.example"):
        response = client.get("/health", headers={"Host": host})
        assert response.status_code == 200, host
    assert client.get("/", headers={"Host": "10.0.3.7:8000"}).status_code == 400


def whoami_app(make_app: Callable[..., Flask], **environ: str) -> Flask:
    app = make_app(**environ)

    @app.get("/whoami")
    def whoami() -> dict[str, str]:
        return {"addr": request.remote_addr or "", "scheme": request.scheme}

    return app


def test_forwarded_headers_are_ignored_by_default(
    make_app: Callable[..., Flask],
) -> None:
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    client = whoami_app(make_app).test_client()
    body = client.get("/whoami", headers=headers).get_json()
    assert body == {"addr": "127.0.0.1", "scheme": "http"}


def test_behind_proxy_trusts_one_hop(make_app: Callable[..., Flask]) -> None:
    headers = {
        "X-Forwarded-For": "198.51.100.1, 203.0.113.9",
        "X-Forwarded-Proto": "https",
    }
    client = whoami_app(make_app, BEHIND_PROXY="1").test_client()
    body = client.get("/whoami", headers=headers).get_json()
    assert body == {"addr": "203.0.113.9", "scheme": "https"}


def test_request_body_size_is_capped(app: Flask) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
