from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == status
    assert body["error"]
    assert "<html" not in response.get_data(as_text=True).lower()
    return body


def test_unknown_path_is_a_json_404(client: FlaskClient) -> None:
    assert_json_error(client.get("/no/such/page"), 404)


def test_unknown_note_is_a_json_404(client: FlaskClient) -> None:
    body = assert_json_error(client.get("/api/notes/12345"), 404)
    assert "12345" in body["message"]


def test_wrong_method_is_a_json_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/api/notes")
    assert_json_error(response, 405)
    assert "POST" in response.headers["Allow"]


def test_malformed_json_is_a_json_400(client: FlaskClient) -> None:
    response = client.post(
        "/api/notes", data="{not json", content_type="application/json"
    )
    assert_json_error(response, 400)


def test_form_data_is_a_json_415(client: FlaskClient) -> None:
    assert_json_error(client.post("/api/notes", data={"title": "x"}), 415)


def test_oversized_body_is_a_json_413(client: FlaskClient) -> None:
    response = client.post(
        "/api/notes", json={"title": "big", "body": "x" * (1024 * 1024)}
    )
    assert_json_error(response, 413)


def test_validation_error_is_a_json_422(client: FlaskClient) -> None:
    body = assert_json_error(client.post("/api/notes", json={}), 422)
    assert body["fields"] == {"title": ["This field is required."]}


def test_untrusted_host_is_a_json_400(client: FlaskClient) -> None:
    response = client.get("/health", headers={"Host": "evil.example"})
    assert_json_error(response, 400)


def test_unhandled_exception_is_a_json_500_without_details(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    body = assert_json_error(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["error"] == "Internal Server Error"
