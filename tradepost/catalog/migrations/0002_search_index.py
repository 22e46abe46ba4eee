"""Catalog search: full-text and trigram indexes kept in step by database triggers (see catalog.search.schema)."""

from django.db import migrations

from tradepost.catalog.search import schema


def install(apps, schema_editor):
    schema.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    schema.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
