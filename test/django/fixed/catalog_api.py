"""Hand-fixed counterpart of examples/shop/catalog/api.py."""
from catalog.api import ProductListAPI as _ShopProductListAPI
from catalog.models import Product


class ProductListAPI(_ShopProductListAPI):
    queryset = Product.objects.select_related("category", "stock")
