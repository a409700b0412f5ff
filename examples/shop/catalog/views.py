"""Storefront views of the catalogue (sync, served by gunicorn gthread workers)."""
from decimal import Decimal

from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from .models import Category, Product, Review


def product_list(request):
    """Storefront listing: every product with its shelf and what is left in stock."""
    rows = []
    for p in Product.objects.all():
        rows.append(
            {
                "id": p.pk,
                "sku": p.sku,
                "name": p.name,
                "category": p.category.name,  # expect: DJP101
                "available": p.stock.available,  # expect: DJP101
            }
        )
    return JsonResponse({"products": rows})


class ProductFeedView(ListView):
    """Partner feed (JSON) of active products, consumed by the price comparison sites."""

    model = Product
    paginate_by = 200

    def get_queryset(self):
        products = list(Product.objects.filter(is_active=True).order_by("sku"))
        for product in products:
            product.category_name = product.category.name  # expect: DJP101
            product.in_stock = product.stock.available > 0  # expect: DJP101
        return products

    def render_to_response(self, context, **response_kwargs):
        items = [
            {
                "sku": product.sku,
                "name": product.name,
                "category": product.category_name,
                "in_stock": product.in_stock,
                "price": str(product.price),
            }
            for product in context["object_list"]
        ]
        return JsonResponse({"items": items}, **response_kwargs)


def category_overview(request):
    """Shelf overview for the navigation menu: category name and product count."""
    data = []
    for category in Category.objects.all():
        data.append({"slug": category.slug, "name": category.name, "products": category.products.count()})  # expect: DJP104
    return JsonResponse({"categories": data})


def category_overview_annotated(request):
    """Same overview computed with one grouped query."""
    categories = Category.objects.annotate(product_count=Count("products"))
    data = [
        {"slug": category.slug, "name": category.name, "products": category.product_count}  # ok: DJP104
        for category in categories
    ]
    return JsonResponse({"categories": data})


def review_digest(request):
    """Average rating per product for the "best rated" teaser."""
    digest = []
    for product in Product.objects.filter(is_active=True):
        ratings = [review.rating for review in product.reviews.all()]  # expect: DJP102
        average = sum(ratings) / len(ratings) if ratings else None
        digest.append({"sku": product.sku, "average": average, "reviews": len(ratings)})
    return JsonResponse({"digest": digest})


def product_teasers(request):
    """Short teasers for the home page; only loads the columns it thinks it needs."""
    teasers = []
    for product in Product.objects.only("id", "sku", "name"):
        teasers.append(
            {
                "sku": product.sku,  # ok: DJP107
                "name": product.name,
                "blurb": product.description[:80],  # expect: DJP107
            }
        )
    return JsonResponse({"teasers": teasers})


@require_POST
def apply_category_discount(request, slug):
    """Staff action: knock a percentage off every product of a shelf and its sub-shelves."""
    category = get_object_or_404(Category, slug=slug)
    percent = Decimal(request.POST.get("percent", "10"))
    factor = (Decimal(100) - percent) / Decimal(100)
    changed = 0
    for product in Product.objects.filter(Q(category=category) | Q(category__parent=category)):
        product.price = (product.price * factor).quantize(Decimal("0.01"))
        product.save(update_fields=["price"])  # expect: DJP106
        changed += 1
    return JsonResponse({"changed": changed})


def latest_reviews(request):
    """Latest reviews with product, shelf and reviewer, all fetched in one query."""
    reviews = Review.objects.select_related("product__category", "author").order_by("-created_at")[:20]
    data = []
    for review in reviews:
        data.append(
            {
                "product": review.product.name,  # ok: DJP101
                "category": review.product.category.name,  # ok: DJP101
                "author": review.author.username,  # ok: DJP101
                "product_id": review.product_id,  # ok: DJP101
                "rating": review.rating,
            }
        )
    return JsonResponse({"reviews": data})


def price_list(request):
    """CSV-like price list built from plain value rows."""
    lines = []
    for row in Product.objects.values("sku", "price", "category__name"):
        lines.append("%s;%s;%s" % (row["sku"], row["price"], row["category__name"]))  # ok: DJP101
    for sku, category_id in Product.objects.values_list("sku", "category_id"):
        lines.append("%s;%s" % (sku, category_id))  # ok: DJP101
    return JsonResponse({"lines": lines})


def shelf_summary(request):
    """Per shelf: products with their stock, using prefetched relations only."""
    categories = Category.objects.prefetch_related("products__stock")
    data = []
    for category in categories:
        products = category.products.all()  # ok: DJP102
        data.append(
            {
                "name": category.name,
                "products": len(products),  # ok: DJP104
                "available": sum(p.stock.available for p in products),  # ok: DJP101
            }
        )
    return JsonResponse({"shelves": data})


def featured_products(request):
    """Editorial picks: the list lives in code, the loop touches no database."""
    picks = [
        {"sku": "ROD-2701", "headline": "Light spinning for perch"},
        {"sku": "LURE-0042", "headline": "The classic spoon"},
    ]
    badges = {"ROD-2701": "new", "LURE-0042": "bestseller"}
    featured = []
    for pick in picks:
        featured.append({"sku": pick["sku"], "headline": pick["headline"], "badge": badges.get(pick["sku"])})
    return JsonResponse({"featured": featured})


def catalog_page(request):
    """Server-rendered catalogue page: the N+1s are in the template (DJP110/DJP111)."""
    products = Product.objects.filter(is_active=True).order_by("name")
    return render(request, "catalog/catalog_page.html", {"products": products})


def shelf_labels(request):
    """Product labels for the shelf printer: the N+1 hides in a model property (Product.shelf_label)."""
    labels = [p.shelf_label for p in Product.objects.filter(is_active=True).order_by("sku")]  # expect: DJP101
    return JsonResponse({"labels": labels})
