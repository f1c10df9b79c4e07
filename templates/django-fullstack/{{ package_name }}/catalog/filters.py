import django_filters

from .models import Product


class ProductFilter(django_filters.FilterSet):
    """Query-string filters for the product list: ?in_stock=true&min_price=5."""

    min_price = django_filters.NumberFilter(field_name="price", lookup_expr="gte")
    max_price = django_filters.NumberFilter(field_name="price", lookup_expr="lte")

    class Meta:
        model = Product
        fields = ["in_stock", "min_price", "max_price"]
