import re

from flask.testing import FlaskClient

LOCAL = re.compile(r"^/(?!/)")


def test_the_openapi_document_is_public(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert "/health" in spec["paths"]


def test_every_operation_declares_its_errors(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if operation.get("security"):
                assert "401" in codes, (method, path)


# The header that answers with these codes always carry, for the client to read.
ANSWER_HEADERS = {"401": "WWW-Authenticate", "429": "Retry-After"}


def test_every_answer_declares_the_headers_it_carries(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                header = ANSWER_HEADERS.get(code)
                if header:
                    assert header in answer.get("headers", {}), (method, path, code)


def test_the_docs_load_nothing_from_other_sites(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert urls, "the docs page loads its scripts and styles"
    assert all(LOCAL.match(url) for url in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url
    # The browser may fetch only from this server, whatever the page says.
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "http" not in policy
    # and runs no inline code: every script is a file from this server.
    assert "unsafe-inline" not in policy
    assert "<script>" not in html
