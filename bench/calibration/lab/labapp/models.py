"""Lab tables: shelves, products on shelves (the N+1 list) and one stock row (the row lock)."""
from django.db import models


class Shelf(models.Model):
    name = models.CharField(max_length=40)


class Product(models.Model):
    name = models.CharField(max_length=60)
    price = models.IntegerField()
    shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE)


class Stock(models.Model):
    units = models.IntegerField(default=0)
