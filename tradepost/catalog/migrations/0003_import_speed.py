"""Faster imports: no single-column indexes where a composite one starts with the column, search triggers
that let a batch of inserted products be indexed in one statement per table (schema.batch_insert), and the
record of indexes a bulk load has dropped (catalog.bulk).

The indexes are dropped by name rather than by AlterField, which on SQLite would copy each table (and drop
the search triggers on catalog_product); the model state still records db_index=False.
"""

import django.db.models.deletion
from django.db import migrations, models

from tradepost.catalog.search import schema

# (index, table, column) as 0001_initial created them.
DROPPED = [
    ("catalog_product_category_id_35bf920b", "catalog_product", "category_id"),
    ("catalog_product_manufacturer_id_a67ee459", "catalog_product", "manufacturer_id"),
    ("catalog_pricebreak_product_id_56a5f6db", "catalog_pricebreak", "product_id"),
    ("catalog_productspec_product_id_c5f7c05b", "catalog_productspec", "product_id"),
    ("catalog_productspec_attribute_id_d9f74f49", "catalog_productspec", "attribute_id"),
]


def reinstall_triggers(apps, schema_editor):
    schema.install(schema_editor.connection, refill=False)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="pricebreak",
                    name="product",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="price_breaks",
                        to="catalog.product",
                    ),
                ),
                migrations.AlterField(
                    model_name="product",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="products",
                        to="catalog.category",
                    ),
                ),
                migrations.AlterField(
                    model_name="product",
                    name="manufacturer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="products",
                        to="catalog.manufacturer",
                    ),
                ),
                migrations.AlterField(
                    model_name="productspec",
                    name="attribute",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="values",
                        to="catalog.specattribute",
                    ),
                ),
                migrations.AlterField(
                    model_name="productspec",
                    name="product",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="specs",
                        to="catalog.product",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"', f'CREATE INDEX "{index}" ON "{table}" ("{column}")'
                )
                for index, table, column in DROPPED
            ],
        ),
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop),
        migrations.CreateModel(
            name="DroppedIndex",
            fields=[
                ("name", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("definition", models.TextField()),
            ],
        ),
    ]
