from django.contrib import admin

from .models import Category, Product, ProductStock, Review


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    # "parent" is a nullable FK: the automatic select_related() of the
    # changelist only follows non-null FKs, so every row loads its parent.
    list_display = ("name", "slug", "parent")  # expect: DJP109
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "price", "is_active")  # ok: DJP109
    list_select_related = ("category",)
    list_filter = ("is_active", "category")
    search_fields = ("sku", "name")


@admin.register(ProductStock)
class ProductStockAdmin(admin.ModelAdmin):
    # "product" is a non-null O2O listed as a field, so the changelist
    # applies select_related() (all non-null FKs, recursively) by itself;
    # Product.__str__ reading product.category is covered by it too.
    list_display = ("product", "available", "reserved", "updated_at")  # ok: DJP109


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    # Review.__str__ reads the author and the product, and Product.__str__
    # reads the product's category: three lazy loads per row.
    list_display = ("__str__", "rating", "created_at")  # expect: DJP109
    list_filter = ("rating",)
