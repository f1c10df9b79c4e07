from flask.testing import FlaskClient


def create(client: FlaskClient, **fields: object) -> dict:
    response = client.post("/api/notes", json={"title": "A note", **fields})
    assert response.status_code == 201
    return response.get_json()


def test_create_returns_the_note_and_its_location(client: FlaskClient) -> None:
    response = client.post("/api/notes", json={"title": "  Milk  ", "body": "2 litres"})
    assert response.status_code == 201
    note = response.get_json()
    assert note["title"] == "Milk"
    assert note["body"] == "2 litres"
    assert response.headers["Location"] == f"/api/notes/{note['id']}"
    assert note["created_at"].endswith("+00:00")


def test_read_update_delete_round_trip(client: FlaskClient) -> None:
    note = create(client, body="first")
    url = f"/api/notes/{note['id']}"

    assert client.get(url).get_json() == note

    patched = client.patch(url, json={"body": "second"}).get_json()
    assert (patched["title"], patched["body"]) == ("A note", "second")

    replaced = client.put(url, json={"title": "Replaced"}).get_json()
    assert (replaced["title"], replaced["body"]) == ("Replaced", "")

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404


def test_missing_title_is_a_422_with_field_errors(client: FlaskClient) -> None:
    response = client.post("/api/notes", json={"body": "no title"})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"title": ["This field is required."]}


def test_every_bad_field_is_reported(client: FlaskClient) -> None:
    response = client.post(
        "/api/notes", json={"title": " ", "body": 5, "colour": "red"}
    )
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"title", "body", "colour"}


def test_too_long_title_is_refused(client: FlaskClient) -> None:
    response = client.post("/api/notes", json={"title": "x" * 201})
    assert response.status_code == 422
    assert "title" in response.get_json()["fields"]


def test_patch_checks_only_the_fields_sent(client: FlaskClient) -> None:
    note = create(client)
    response = client.patch(f"/api/notes/{note['id']}", json={"title": ""})
    assert response.status_code == 422
    assert list(response.get_json()["fields"]) == ["title"]
    assert client.patch(f"/api/notes/{note['id']}", json={}).status_code == 200


def test_a_json_list_is_not_a_note(client: FlaskClient) -> None:
    response = client.post("/api/notes", json=["title"])
    assert response.status_code == 422
    assert response.is_json


def test_pagination_pages_totals_and_links(client: FlaskClient) -> None:
    for number in range(5):
        create(client, title=f"note {number}")

    first = client.get("/api/notes?per_page=2").get_json()
    assert [note["title"] for note in first["items"]] == ["note 0", "note 1"]
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (
        1,
        2,
        5,
        3,
    )
    assert first["links"]["prev"] is None
    assert first["links"]["next"] == "/api/notes?page=2&per_page=2"

    last = client.get(first["links"]["last"]).get_json()
    assert [note["title"] for note in last["items"]] == ["note 4"]
    assert last["links"]["next"] is None
    assert last["links"]["prev"] == "/api/notes?page=2&per_page=2"


def test_per_page_is_capped(client: FlaskClient) -> None:
    body = client.get("/api/notes?per_page=100000").get_json()
    assert body["per_page"] == 100


def test_a_page_past_the_end_is_empty(client: FlaskClient) -> None:
    create(client)
    body = client.get("/api/notes?page=9").get_json()
    assert body["items"] == []
    assert body["total"] == 1


def test_bad_page_numbers_are_a_422(client: FlaskClient) -> None:
    for query in ("page=0", "page=-1", "page=two", "per_page=0", "page=2000000"):
        response = client.get(f"/api/notes?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["fields"], query
