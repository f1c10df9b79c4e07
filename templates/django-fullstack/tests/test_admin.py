import pytest
from django.apps import apps
from django.urls import reverse


def test_the_admin_lives_at_admin_url(settings):
    assert reverse("admin:index") == "/" + settings.ADMIN_URL


@pytest.mark.django_db
def test_the_admin_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    "page",
    [
        "admin:index",
        "admin:catalog_product_changelist",
        "admin:catalog_product_add",
        "admin:accounts_user_changelist",
        "admin:accounts_user_add",
        "admin:auth_group_changelist",
    ],
)
def test_admin_pages_load_for_staff(client, superuser, page):
    client.force_login(superuser)
    assert client.get(reverse(page)).status_code == 200


def test_the_product_list_searches_and_filters(client, superuser):
    client.force_login(superuser)
    url = reverse("admin:catalog_product_changelist")
    assert client.get(url, {"q": "teapot", "in_stock__exact": "1"}).status_code == 200


def test_adding_a_product_in_the_admin_records_who_did(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:catalog_product_add"),
        {"name": "Sieve", "sku": "sieve", "price": "3.20", "in_stock": "on"},
    )
    assert response.status_code == 302
    product = apps.get_model("catalog", "Product").objects.get(sku="sieve")
    assert product.created_by == superuser


def test_a_user_who_is_not_staff_cannot_use_the_admin(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_repeated_failed_sign_ins_lock_the_client_out(client, user, settings):
    statuses = [
        client.post(
            reverse("admin:login"), {"username": "alice", "password": "wrong"}
        ).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT + 1)
    ]
    assert statuses[0] == 200
    assert statuses[-1] == 429
