"""Products, manufacturers, the category tree, typed specifications, quantity price breaks and stock."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField


class Manufacturer(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A node of the category tree. `path` ("/1/7/23/") makes subtree queries one indexed prefix match."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    position = models.PositiveIntegerField(default=0)
    description = models.TextField(blank=True)
    warranty_class = models.SlugField(
        max_length=50,
        blank=True,
        help_text="Key of the policy's warranty class for products here; blank inherits the parent's.",
    )
    customizable = models.BooleanField(
        default=False, help_text="Products of this type accept customization requests."
    )

    class Meta:
        ordering = ["path", "position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class SpecAttribute(models.Model):
    """A filterable parameter such as resistance (number, Ω) or package (text)."""

    class Kind(models.TextChoices):
        NUMBER = "number"
        TEXT = "text"

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    unit = models.CharField(max_length=16, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


class ProductStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DISCONTINUED = "discontinued", "Discontinued"
    NOT_FOR_SALE = "not_for_sale", "Not for sale"


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    mpn = models.CharField("manufacturer part number", max_length=80)
    mpn_normalized = models.CharField(max_length=80, editable=False, db_index=True)
    # No single-column indexes on the foreign keys here and below: a composite index in Meta starts with
    # each of them, and every extra index is one more b-tree each imported row has to be written into.
    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, related_name="products", db_index=False
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products", db_index=False)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    datasheet_url = models.URLField(max_length=500, blank=True)
    weight_grams = models.PositiveIntegerField(default=0, help_text="Shipping weight of one unit, in grams.")
    # Packed size of one unit, for volumetric weight; 0 when unknown (then only the weight counts).
    length_mm = models.PositiveIntegerField("packed length (mm)", default=0, db_default=0)
    width_mm = models.PositiveIntegerField("packed width (mm)", default=0, db_default=0)
    height_mm = models.PositiveIntegerField("packed height (mm)", default=0, db_default=0)
    hs_code = models.CharField("HS code", max_length=12, blank=True)
    country_of_origin = CountryField(blank=True)
    stock = models.PositiveIntegerField(default=0)
    moq = models.PositiveIntegerField("minimum order quantity", default=1, validators=[MinValueValidator(1)])
    order_multiple = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    status = models.CharField(max_length=16, choices=ProductStatus.choices, default=ProductStatus.ACTIVE)
    # The unit price of the first price break, kept by the service so listing filters and sorts in SQL.
    price_from = models.DecimalField(max_digits=12, decimal_places=4, null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["mpn_normalized", "id"]
        indexes = [
            models.Index(fields=["category", "status", "mpn_normalized"], name="catalog_prod_cat_status_mpn"),
            models.Index(fields=["category", "status", "price_from"], name="catalog_prod_cat_status_price"),
            models.Index(fields=["manufacturer", "status"], name="catalog_prod_mfr_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(moq__gte=1), name="catalog_product_moq_positive"),
            models.CheckConstraint(
                condition=Q(order_multiple__gte=1), name="catalog_product_multiple_positive"
            ),
            models.CheckConstraint(condition=Q(stock__gte=0), name="catalog_product_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.mpn} ({self.sku})"

    @property
    def is_buyable(self) -> bool:
        return self.status == ProductStatus.ACTIVE


class PriceBreak(models.Model):
    """From `min_quantity` units up, each unit costs `unit_price` (USD)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="price_breaks", db_index=False
    )  # catalog_pricebreak_unique_qty starts with it
    min_quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal("0.0001"))]
    )

    class Meta:
        ordering = ["product", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["product", "min_quantity"], name="catalog_pricebreak_unique_qty"),
            models.CheckConstraint(condition=Q(min_quantity__gte=1), name="catalog_pricebreak_qty_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="catalog_pricebreak_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.min_quantity}+ ${self.unit_price}"


class ProductSpec(models.Model):
    """One specification value of a product; numbers are stored as numbers so ranges filter in SQL."""

    # catalog_spec_one_per_attribute starts with product, the two Meta indexes with attribute.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="specs", db_index=False)
    attribute = models.ForeignKey(
        SpecAttribute, on_delete=models.PROTECT, related_name="values", db_index=False
    )
    value_text = models.CharField(max_length=120, blank=True)
    # Picofarads to gigahertz: 15 places keep 4.7 pF (0.0000000000047 F), 12 digits before the point.
    value_number = models.DecimalField(max_digits=27, decimal_places=15, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "attribute"], name="catalog_spec_one_per_attribute"),
        ]
        indexes = [
            models.Index(fields=["attribute", "value_text"], name="catalog_spec_attr_text"),
            models.Index(fields=["attribute", "value_number"], name="catalog_spec_attr_number"),
        ]

    def __str__(self) -> str:
        return f"{self.attribute.key}={self.value_text or self.value_number}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    url = models.URLField(max_length=500)
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self) -> str:
        return self.url


class DroppedIndex(models.Model):
    """An index a bulk load dropped and has yet to build again, with its definition (see catalog.bulk)."""

    name = models.CharField(max_length=200, primary_key=True)
    definition = models.TextField()

    def __str__(self) -> str:
        return self.name
