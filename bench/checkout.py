"""Checkout benchmark: orders per second with 16 concurrent buyers through HTTP, place-order latency,
SQL queries per step of the buyer flow, and the invariants (stock never negative, one order per key).

    python -m bench.checkout --db sqlite --db postgres     (make bench-checkout)

Each run starts from a fresh database and serves it with gunicorn as the catalog benchmark does
(`bench.common.gunicorn`) with 2 x cores + 1 sync workers. Buyers use the REST API with personal tokens.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from bench import common

BUYERS = 16
ORDERS_PER_BUYER = 40
# Each buyer first places a few orders that are not timed: every worker process has then opened its
# database connection and run each statement once, so the timed orders measure the running server.
WARM_UP_ORDERS = 3
SCARCE_STOCK = 40  # a part every buyer also wants, with less stock than demand
# gunicorn's documented starting point, 2 x cores + 1: while one worker waits on the database another runs.
WORKERS = 2 * (os.cpu_count() or 1) + 1


def setup(preset: str) -> dict:
    from tradepost.accounts.models import Address, User
    from tradepost.accounts.selectors import agreement_current
    from tradepost.accounts.services import agreement_accept, token_create
    from tradepost.catalog.generator import catalog_generate
    from tradepost.catalog.models import Product
    from tradepost.policies.loading import load_preset
    from tradepost.policies.services import policy_activate
    from tradepost.shipping.network import network_load

    policy_activate(policy=load_preset(preset), source="bench")
    network_load()  # carriers, zones and rates: checkout quotes real shipping
    catalog_generate(parts=2000, preset=preset, seed=1)
    products = list(
        Product.objects.filter(status="active", stock__gte=10_000, moq=1, order_multiple=1)
        .order_by("pk")
        .values_list("sku", flat=True)[:50]
    )
    if len(products) < 10:
        Product.objects.filter(sku__in=list(Product.objects.values_list("sku", flat=True)[:50])).update(
            stock=1_000_000, moq=1, order_multiple=1, status="active"
        )
        products = list(Product.objects.values_list("sku", flat=True)[:50])
    scarce = products.pop()
    Product.objects.filter(sku=scarce).update(stock=SCARCE_STOCK, moq=1, order_multiple=1)
    buyers = []
    for n in range(BUYERS):
        user = User.objects.create_user(
            f"bench{n}@example.com", "bench-password-2026", full_name=f"Bench Buyer {n}", country="NL"
        )
        if agreement_current():
            agreement_accept(user=user, version=agreement_current().version)
        address = Address.objects.create(
            user=user,
            full_name=user.full_name,
            line1="1 Bench Street",
            city="Rotterdam",
            postal_code="3011",
            country="NL",
            phone="+31101234567",
        )
        _, secret = token_create(user=user, name="bench")
        buyers.append({"token": secret, "address": address.pk})
    return {"products": products, "scarce": scarce, "buyers": buyers}


class Api:
    def __init__(self, base: str, token: str):
        parsed = urlparse(base)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
        self.connection.request(
            method,
            "/api/v1" + path,
            body=json.dumps(body) if body is not None else None,
            headers={**self.headers, **(headers or {})},
        )
        response = self.connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else {})


def buyer_flow(base: str, buyer: dict, plan: dict, n: int, out: dict, orders: int, first: int = 0) -> None:
    api = Api(base, buyer["token"])
    products = plan["products"]
    api.call("DELETE", "/cart")
    for i in range(first, first + orders):
        sku = products[(n * 7 + i) % len(products)]
        api.call("PUT", f"/cart/lines/{sku}", {"quantity": 3})
        wants_scarce = i % 5 == 0
        if wants_scarce:
            status, _ = api.call("PUT", f"/cart/lines/{plan['scarce']}", {"quantity": 1})
            if status == 422:  # already sold out when the buyer tried to add it
                out["sold_out"] += 1
                wants_scarce = False
        method = {"address_id": buyer["address"], "shipping_method": None, "payment_method": "paypal"}
        api.call("POST", "/checkout/preview", method)
        key = str(uuid.uuid4())
        body = {**method, "remark": "", "commercial_invoice": False}
        start = time.perf_counter()
        status, order = api.call("POST", "/checkout", body, {"Idempotency-Key": key})
        elapsed = (time.perf_counter() - start) * 1000
        if status == 201:
            out["latencies"].append(elapsed)
            out["orders"].append((key, order["number"]))
            if i % 10 == 0:  # a retried submit must return the same order
                again_status, again = api.call("POST", "/checkout", body, {"Idempotency-Key": key})
                out["retries"].append((again_status, again.get("number") == order["number"]))
            continue  # placing consumed the cart
        if status in (409, 422) and wants_scarce:  # sold out between adding it and placing
            out["sold_out"] += 1
        else:
            out["errors"].append((status, str(order)[:200]))
        api.call("DELETE", "/cart")  # start the next order afresh, as a buyer would after a refusal


def queries_per_step(plan: dict) -> dict:
    """SQL statements per step of one buyer flow, counted in-process on the same API."""
    from django.test import Client

    buyer = plan["buyers"][0]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {buyer['token']}")
    sku = plan["products"][0]
    method = {"address_id": buyer["address"], "shipping_method": None, "payment_method": "paypal"}
    steps = [
        ("(empty the cart: set-up, not counted)", "delete", "/api/v1/cart", None, {}),
        ("add to cart", "put", f"/api/v1/cart/lines/{sku}", {"quantity": 3}, {}),
        ("view cart", "get", "/api/v1/cart", None, {}),
        ("review (address, method, totals)", "post", "/api/v1/checkout/preview", method, {}),
        (
            "place order",
            "post",
            "/api/v1/checkout",
            {**method, "remark": "", "commercial_invoice": False},
            {},
        ),
    ]
    # Counted on the second flow: the first in a process also reads what a running server keeps in
    # memory (the policy document, the shipping network).
    for _ in range(2):
        counts = _count_steps(client, _with_new_key(steps))
    return counts


def _with_new_key(steps: list) -> list:
    *rest, (name, verb, path, body, _) = steps
    return [*rest, (name, verb, path, body, {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())})]


def _count_steps(client, steps: list) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, verb, path, body, extra in steps:
        with CaptureQueriesContext(connection) as ctx:
            kwargs = (
                {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
            )
            response = getattr(client, verb)(path, **kwargs, **extra)
        if response.status_code >= 400:
            raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]!r}")
        counts[name] = len(ctx.captured_queries)
    return counts


def invariants(plan: dict, result: dict) -> dict:
    from django.db.models import Count

    from tradepost.catalog.models import Product
    from tradepost.orders.models import Order

    keys = {key for key, _ in result["orders"]}
    duplicated = (
        Order.objects.values("user", "idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    return {
        "negative_stock": Product.objects.filter(stock__lt=0).count(),
        "scarce_left": Product.objects.get(sku=plan["scarce"]).stock,
        "orders_in_db": Order.objects.filter(idempotency_key__in=keys).count(),
        "orders_answered": len(keys),
        "duplicate_keys": duplicated,
        "retries_same_order": all(ok and status == 200 for status, ok in result["retries"]),
    }


@contextmanager
def celery_worker(env: dict):
    """PostgreSQL is the production set-up: emails leave the request for a Celery worker on Redis."""
    if "REDIS_URL" not in env:
        yield
        return
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "-c", "1", "-l", "WARNING"],
        env=env,
        cwd=common.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def run(db: str, preset: str) -> dict:
    env = common.bench_env(db)
    if os.environ.get("BENCH_REDIS_URL"):  # emails to a Celery worker instead of in-process
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    os.environ.update(env)
    if db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    common.fresh_database(db, env)
    import django

    django.setup()
    plan = setup(preset)
    steps = queries_per_step(plan)
    from django.db import connection

    connection.close()
    warm_up = {"latencies": [], "orders": [], "retries": [], "errors": [], "sold_out": 0}
    out = {"latencies": [], "orders": [], "retries": [], "errors": [], "sold_out": 0}

    def buyers(result: dict, orders: int, first: int) -> list[threading.Thread]:
        return [
            threading.Thread(target=buyer_flow, args=(base, buyer, plan, n, result, orders, first))
            for n, buyer in enumerate(plan["buyers"])
        ]

    with celery_worker(env), common.gunicorn(env, workers=WORKERS) as (base, server):
        for thread in (warming := buyers(warm_up, WARM_UP_ORDERS, 0)):
            thread.start()
        for thread in warming:
            thread.join()
        threads = buyers(out, ORDERS_PER_BUYER, WARM_UP_ORDERS)
        with common.CpuMeter(server.pid) as cpu:
            start, cpu_at_start = time.perf_counter(), common.cpu_times()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - start
            stolen = common.stolen_percent(cpu_at_start, common.cpu_times())
    result = {
        "db": db,
        "buyers": BUYERS,
        "orders": len(out["orders"]),
        "orders_per_s": len(out["orders"]) / wall,
        "place": common.percentiles(out["latencies"]),
        "sold_out": out["sold_out"],
        "errors": (warm_up["errors"] + out["errors"])[:5],
        "error_count": len(warm_up["errors"]) + len(out["errors"]),
        "queries": steps,
        "cpu_stolen_percent": stolen,
        "flow_queries": sum(n for step, n in steps.items() if not step.startswith("(")),
        # CPU milliseconds per order placed, and how busy the machine's cores were
        "cpu_ms_per_order": {
            "server": cpu.server * 1000 / max(1, len(out["orders"])),
            "generator": cpu.generator * 1000 / max(1, len(out["orders"])),
            "database": cpu.database * 1000 / max(1, len(out["orders"])),
            "rest": cpu.rest * 1000 / max(1, len(out["orders"])),
        },
        "cpu_busy": cpu.machine / (wall * (os.cpu_count() or 1)),
    }
    # The invariants cover every order, the warm-up's included.
    everything = {key: warm_up[key] + out[key] for key in ("orders", "retries")}
    result["invariants"] = invariants(plan, everything)
    return result


def report(results: list[dict]) -> str:
    lines = [
        "## Checkout (`make bench-checkout`)",
        "",
        f"Machine: {common.machine_info()}.",
        "",
        f"{BUYERS} concurrent buyers, each placing {ORDERS_PER_BUYER} timed orders through the REST API "
        "(add a line, review, place with an `Idempotency-Key`; every fifth order also wants one "
        f"unit of a part with only {SCARCE_STOCK} in stock; every tenth order is submitted twice; placing "
        "consumes the cart, so a buyer empties it only after a refused order), after "
        f"{WARM_UP_ORDERS} untimed orders each (every invariant below counts those too), against "
        f"gunicorn with {WORKERS} sync workers (2 x cores + 1). Emails are rendered in-process (no "
        "`REDIS_URL`; `BENCH_REDIS_URL=redis://… make bench-checkout` sends them to a Celery worker "
        "instead). The load generator runs on the same machine.",
        "",
        "| DB | orders | orders/s | place p50 | p95 | p99 | sold-out refusals | errors "
        "| buyer flow queries |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        p = r["place"]
        lines.append(
            f"| {r['db']} | {r['orders']} | {r['orders_per_s']:.1f} | {p['p50']:.0f} ms | "
            f"{p['p95']:.0f} ms | "
            f"{p['p99']:.0f} ms | {r['sold_out']} | {r['error_count']} | {r['flow_queries']} |"
        )
    lines += [
        "",
        "CPU per order placed, while the buyers ran (server: the gunicorn workers, which run SQLite "
        "in-process; load generator: the benchmark's own threads; PostgreSQL: its processes; the rest is the "
        "kernel and everything else on the machine; stolen: the share of the machine's CPU time the "
        "hypervisor gave to other virtual machines meanwhile, which slows this one as if it were slower):",
        "",
        "| DB | server | load generator | PostgreSQL | rest | cores busy | CPU stolen |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c = r["cpu_ms_per_order"]
        lines.append(
            f"| {r['db']} | {c['server']:.0f} ms | {c['generator']:.0f} ms | {c['database']:.0f} ms "
            f"| {c['rest']:.0f} ms | {r['cpu_busy']:.0%} | {r['cpu_stolen_percent']:.1f}% |"
        )
    lines += ["", "Queries per step (in-process, same API, on the second flow of the process):", ""]
    steps = list(results[0]["queries"]) if results else []
    lines += ["| DB | " + " | ".join(steps) + " |", "|---|" + "---|" * len(steps)]
    for r in results:
        lines.append(f"| {r['db']} | " + " | ".join(str(r["queries"][s]) for s in steps) + " |")
    lines += ["", "Invariants after the run:", ""]
    for r in results:
        inv = r["invariants"]
        lines.append(
            f"- {r['db']}: negative stock rows {inv['negative_stock']}; "
            f"scarce part left {inv['scarce_left']}; "
            f"orders answered {inv['orders_answered']} = orders stored {inv['orders_in_db']}; "
            f"keys with more than one order {inv['duplicate_keys']}; "
            "retried submits returned the same order: "
            f"{'yes' if inv['retries_same_order'] else 'NO'}."
        )
    lines += [
        "",
        "Targets: place-order p95 ≤ 150 ms on PostgreSQL at 16 concurrent buyers; buyer flow ≤ 60 queries.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--preset", default="components")
    parser.add_argument("--out", default=str(common.ROOT / "BENCHMARKS.md"))
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(common.dump(run(args.db[0], args.preset)))
        return
    results = []
    for db in args.db or ["sqlite", "postgres"]:
        print(f"== checkout, {db}", file=sys.stderr, flush=True)
        out = subprocess.run(
            [sys.executable, "-m", "bench.checkout", "--one", "--db", db, "--preset", args.preset],
            cwd=common.ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(out.stdout[out.stdout.index("{") :])
        print(common.dump(result), file=sys.stderr)
        results.append(result)
    common.write_section(Path(args.out), "checkout", report(results))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
