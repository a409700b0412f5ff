"""Product catalogue of the tackle shop."""
from django.conf import settings
from django.db import models


class Category(models.Model):
    """A shelf in the shop: "Spinning rods", "Soft baits", ..."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        # Used by the admin and by every FK dropdown: touches the category.
        return "%s (%s)" % (self.name, self.category.name)

    @property
    def shelf_label(self):
        # Reads the category: one query per product unless the list joined it.
        return "%s / %s" % (self.category.name, self.name)


class ProductStock(models.Model):
    """Stock level of one product; one row per product, updated on every sale."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="stock")
    available = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return "%s: %d available" % (self.product, self.available)


class Review(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return "%s on %s" % (self.author, self.product)
