from rest_framework import permissions, viewsets

from .filters import ProductFilter
from .models import Product
from .serializers import ProductSerializer


class ProductViewSet(viewsets.ModelViewSet):
    """Products: anyone signed in may read; writing needs the model's permissions.

    Grant "catalog | product | Can add product" (and change, delete) to a user or a
    group in the admin; superusers have them all.
    """

    queryset = Product.objects.select_related("created_by")
    serializer_class = ProductSerializer
    permission_classes = [permissions.DjangoModelPermissions]
    filterset_class = ProductFilter
    search_fields = ["name", "sku", "description"]
    ordering_fields = ["name", "price", "created_at"]

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)
