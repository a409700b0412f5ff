"""Public catalogue API (Django REST framework)."""
from rest_framework import generics

from .models import Product
from .serializers import ProductSerializer, ProductWithReviewsSerializer


class ProductListAPI(generics.ListAPIView):
    """GET /api/products/ — every product with its nested category and stock."""

    queryset = Product.objects.all()  # expect: DJP108
    serializer_class = ProductSerializer


class ProductReviewsAPI(generics.ListAPIView):
    """GET /api/products/reviews/ — products with their reviews, for the app's product cards."""

    serializer_class = ProductWithReviewsSerializer

    def get_queryset(self):
        return Product.objects.select_related("category", "stock").prefetch_related("reviews")  # ok: DJP108
