import os
from decimal import Decimal

from django.test import TestCase

from .models import Category, Product, ProductStock

# The async tests drive views through the test client from sync code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ok: DJP408


class ProductListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        category = Category.objects.create(name="Spoons", slug="spoons")
        for i in range(5):
            product = Product.objects.create(  # ok: DJP106
                category=category, sku="SPOON-%02d" % i, name="Spoon %d" % i, price=Decimal("4.90")
            )
            ProductStock.objects.create(product=product, available=10)  # ok: DJP106

    def test_lists_every_product(self):
        response = self.client.get("/products/")
        self.assertEqual(len(response.json()["products"]), 5)
