"""Hand-fixed counterparts of examples/shop/catalog/admin.py (swapped into admin.site by the harness)."""
from catalog.admin import CategoryAdmin as _ShopCategoryAdmin
from catalog.admin import ReviewAdmin as _ShopReviewAdmin


class CategoryAdmin(_ShopCategoryAdmin):
    list_select_related = ("parent",)


class ReviewAdmin(_ShopReviewAdmin):
    list_select_related = ("author", "product__category")
