from django.urls import path

from . import api, async_views, views

app_name = "catalog"

urlpatterns = [
    path("products/", views.product_list, name="product-list"),
    path("products/feed/", views.ProductFeedView.as_view(), name="product-feed"),
    path("products/teasers/", views.product_teasers, name="product-teasers"),
    path("products/prices/", views.price_list, name="price-list"),
    path("products/featured/", views.featured_products, name="featured"),
    path("products/ratings/", views.review_digest, name="review-digest"),
    path("products/skus/", async_views.all_skus, name="all-skus"),
    path("products/top-rated/", async_views.top_rated, name="top-rated"),
    path("products/<int:product_id>/", async_views.product_detail, name="product-detail"),
    path("products/<int:product_id>/availability/", async_views.product_availability, name="availability"),
    path("categories/", views.category_overview, name="category-overview"),
    path("categories/annotated/", views.category_overview_annotated, name="category-overview-annotated"),
    path("categories/shelves/", views.shelf_summary, name="shelf-summary"),
    path("categories/<slug:slug>/products/", async_views.category_products, name="category-products"),
    path("categories/<slug:slug>/discount/", views.apply_category_discount, name="category-discount"),
    path("reviews/latest/", views.latest_reviews, name="latest-reviews"),
    path("cart/quote/", async_views.cart_quote, name="cart-quote"),
    path("cart/lines/", async_views.cart_lines, name="cart-lines"),
    path("dashboard/", async_views.store_dashboard, name="dashboard"),
    path("dashboard/stats/", async_views.catalogue_stats, name="catalogue-stats"),
    path("dashboard/price-sanity/", async_views.price_sanity, name="price-sanity"),
    path("api/products/", api.ProductListAPI.as_view(), name="api-products"),
    path("api/products/reviews/", api.ProductReviewsAPI.as_view(), name="api-product-reviews"),
]
