"""A small, real catalog built through the services, for tests."""

from tradepost.catalog import services


def product_data(sku: str, mpn: str, **overrides) -> dict:
    data = {
        "sku": sku,
        "mpn": mpn,
        "manufacturer": "Texas Instruments",
        "category": "regulators",
        "title": f"{mpn} adjustable voltage regulator",
        "stock": 100,
        "price_breaks": [(1, "0.52"), (10, "0.44"), (100, "0.37")],
        "specs": {"package": "TO-220", "voltage": "37V"},
    }
    data.update(overrides)
    return data


def make_catalog() -> dict:
    """Components root > ICs > regulators, plus passives > resistors; spec attributes; a few products."""
    root = services.category_create(name="Components", slug="components")
    ics = services.category_create(name="Integrated circuits", slug="ics", parent=root)
    regulators = services.category_create(name="Regulators", slug="regulators", parent=ics, warranty_class="")
    passives = services.category_create(name="Passives", slug="passives", parent=root)
    resistors = services.category_create(name="Resistors", slug="resistors", parent=passives)
    services.spec_attribute_create(key="package", name="Package", kind="text", position=1)
    services.spec_attribute_create(key="voltage", name="Voltage", kind="number", unit="V", position=2)
    services.spec_attribute_create(key="resistance", name="Resistance", kind="number", unit="Ω", position=3)
    products = {
        "LM317T": services.product_save(data=product_data("TI-LM317T", "LM317T"))[0],
        "LM317LZ": services.product_save(
            data=product_data("TI-LM317LZ", "LM317LZ", specs={"package": "TO-92", "voltage": "37V"}, stock=0)
        )[0],
        "AMS1117": services.product_save(
            data=product_data(
                "AMS-1117-33",
                "AMS1117-3.3",
                manufacturer="Advanced Monolithic Systems",
                specs={"package": "SOT-223", "voltage": "15"},
                price_breaks=[(1, "0.12")],
            )
        )[0],
        "R10K": services.product_save(
            data=product_data(
                "YAG-RC0603-10K",
                "RC0603FR-0710KL",
                manufacturer="Yageo",
                category="resistors",
                title="Thick film resistor 10 kΩ 1% 0603",
                specs={"resistance": "10k", "package": "0603"},
                price_breaks=[(1, "0.01"), (100, "0.004")],
            )
        )[0],
    }
    return {
        "root": root,
        "ics": ics,
        "regulators": regulators,
        "passives": passives,
        "resistors": resistors,
        "products": products,
    }
