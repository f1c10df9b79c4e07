import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_site(client, settings):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert settings.SITE_NAME in response.content.decode()


def test_free_text_is_escaped_on_pages(client, settings):
    settings.SITE_DESCRIPTION = "<script>alert('x')</script> & {{ 7*7 }}"
    html = client.get(reverse("home")).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; {{ 7*7 }}" in html


def test_the_sign_in_page_shows_the_site_name(client, settings):
    # LoginView sets its own "site_name" (the host name); the pages use "site_title".
    html = client.get(reverse("login")).content.decode()
    assert f'class="brand" href="/">{settings.SITE_NAME}</a>' in html


def test_the_dashboard_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=" + reverse("dashboard")


def test_the_dashboard_greets_a_signed_in_user(client, user):
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "Hello, alice" in response.content.decode()


def test_sign_in_then_sign_out(client, user, password):
    response = client.post(
        reverse("login"), {"username": "alice", "password": password}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_wrong_password_does_not_sign_in(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302


def test_sign_out_needs_a_post(client, user):
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405


def test_sign_in_follows_a_local_next(client, user, password):
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": password, "next": "/api/docs/"},
    )
    assert response.url == "/api/docs/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/\t/evil.example",
        "HTTPS://evil.example",
    ],
)
def test_sign_in_never_redirects_off_site(client, user, password, target):
    response = client.post(
        reverse("login"), {"username": "alice", "password": password, "next": target}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
