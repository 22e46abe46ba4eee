"""Catalog benchmark: import rate, search latency (HTTP vs raw SQL), category and product page throughput.

    python -m bench.catalog --db sqlite --parts 1000000     (make bench-search runs both databases)

Each run starts from a fresh database, imports a generated CSV, then measures through gunicorn: searches
on 2 gthread workers of one thread each, which keep connections alive between requests as browsers and
API clients use them; pages on 2 sync workers.
"""

import argparse
import http.client
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

from bench import common

QUERY_MIX = {"exact": 60, "prefix": 40, "word": 40, "typo": 30, "miss": 30}
# One character is neither a part number nor a word to search: the request goes all the way through
# gunicorn, Django and the endpoint and answers an empty page without running SQL. Its latency is the
# floor under every search's, which no statement can lower.
FLOOR_QUERY = "x"
# The mix runs once to warm caches, then TIMED_PASSES times timed, over HTTP and as raw SQL alike: a p95 of
# 200 requests of 1-5 ms is the 10th slowest, which one stray scheduling delay moves.
TIMED_PASSES = 5


def build_queries(seed: int = 7) -> list[tuple[str, str]]:
    """A fixed mix of 200 searches drawn from the catalog itself."""
    from tradepost.catalog.models import Product

    rng = random.Random(seed)
    total = Product.objects.count()
    ids = sorted(rng.sample(range(1, total + 1), min(total, 400)))
    rows = list(Product.objects.filter(pk__in=ids).values_list("mpn", "title"))
    rng.shuffle(rows)
    words = sorted({w for _, title in rows for w in title.lower().split() if w.isalpha() and len(w) > 4})
    queries: list[tuple[str, str]] = []
    for mpn, _ in rows[: QUERY_MIX["exact"]]:
        queries.append(("exact", rng.choice([mpn, mpn.lower(), mpn.replace("-", " ")])))
    for mpn, _ in rows[60 : 60 + QUERY_MIX["prefix"]]:
        queries.append(("prefix", mpn[: max(4, len(mpn) // 2)]))
    for _ in range(QUERY_MIX["word"]):
        queries.append(("word", " ".join(rng.sample(words, 2)) if len(words) > 1 else "regulator"))
    for _ in range(QUERY_MIX["typo"]):
        word = rng.choice(words) if words else "regulator"
        cut = rng.randrange(1, len(word) - 1)
        queries.append(("typo", word[:cut] + word[cut + 1 :]))
    for _ in range(QUERY_MIX["miss"]):
        queries.append(("miss", "".join(rng.choice("qxzjvw") for _ in range(7))))
    return queries


def time_http(base: str, queries: list[tuple[str, str]]) -> dict:
    """Latency of `queries` through HTTP: one pass to warm up, then TIMED_PASSES timed."""
    connection = _http_connection(base)
    samples: dict[str, list[float]] = {"all": []}
    for _ in range(1 + TIMED_PASSES):
        _http_pass(connection, queries, samples)
    return {kind: common.percentiles(_timed(values)) for kind, values in samples.items()}


def time_search(base: str, queries: list[tuple[str, str]], statements: list[list[str]]) -> tuple[dict, dict]:
    """Each search through HTTP, and its statements re-run straight on the connection (raw SQL), in
    alternating passes: one of each to warm up, then TIMED_PASSES of each. Timed side by side, a change in
    the machine's speed during the run (this kind of virtual machine has them) slows both alike."""
    from django.db import connection

    http_connection = _http_connection(base)
    http_samples: dict[str, list[float]] = {"all": []}
    raw_samples: list[float] = []
    with connection.cursor() as cursor:
        for _ in range(1 + TIMED_PASSES):
            _http_pass(http_connection, queries, http_samples)
            for request in statements:
                start = time.perf_counter()
                for sql in request:
                    cursor.execute(sql)
                    cursor.fetchall()
                raw_samples.append((time.perf_counter() - start) * 1000)
    http = {kind: common.percentiles(_timed(values)) for kind, values in http_samples.items()}
    raw = common.percentiles(_timed(raw_samples))
    raw["statements_per_request"] = sum(map(len, statements)) / len(statements)
    return http, raw


def _http_connection(base: str) -> http.client.HTTPConnection:
    parsed = urlparse(base)
    return http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)


def _http_pass(connection: http.client.HTTPConnection, queries, samples: dict[str, list[float]]) -> None:
    for kind, q in queries:
        path = "/api/v1/products?" + urlencode({"q": q, "per_page": 20})
        start = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        samples.setdefault(kind, []).append(elapsed)
        samples["all"].append(elapsed)


def _timed(samples: list[float]) -> list[float]:
    """The samples of the timed passes: all but the first pass's."""
    return samples[len(samples) // (1 + TIMED_PASSES) :]


def time_floor(base: str) -> dict:
    """HTTP latency of a search that runs no statement (checked in-process first)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = Client(HTTP_HOST="127.0.0.1").get("/api/v1/products", {"q": FLOOR_QUERY})
    if response.status_code != 200 or ctx.captured_queries or response.json()["items"]:
        raise RuntimeError(f"the floor's search ran SQL or found products: {ctx.captured_queries[:2]}")
    connection.close()
    return time_http(base, [("floor", FLOOR_QUERY)] * 200)["all"]


def search_statements(queries: list[tuple[str, str]]) -> list[list[str]]:
    """Every statement the API request for each search runs (the search's own and the product cards'),
    captured in-process: what the raw-SQL side re-runs, the database's share of the request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    captured = []
    for _, q in queries:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/products?" + urlencode({"q": q, "per_page": 20}))
        assert response.status_code == 200, (q, response.status_code)
        captured.append([entry["sql"] for entry in ctx.captured_queries])
    return captured


def signed_in_cookie() -> str:
    """The session cookie of a buyer signed in (agreement accepted), as the Cookie header sends it: such a
    request gets its own frame around the cached page (storefront/pagecache.py)."""
    from django.conf import settings
    from django.test import Client

    from tradepost.accounts.models import User
    from tradepost.accounts.selectors import agreement_current
    from tradepost.accounts.services import agreement_accept

    buyer = User.objects.create_user("bench-pages@example.com", "bench-password-2026", full_name="Page Buyer")
    if agreement_current():
        agreement_accept(user=buyer, version=agreement_current().version)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(buyer)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def queries_per_request(path: str, *, cookie: str = "") -> tuple[int, int]:
    """Queries of the first request for `path` (per-process and shared caches cold) and of the next."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    if cookie:
        client.cookies.load(cookie)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts.append(len(ctx.captured_queries))
    return counts[0], counts[1]


def page_targets() -> tuple[str, str]:
    from django.db.models import Count

    from tradepost.catalog.models import Category, Product

    leaf = Category.objects.annotate(n=Count("products")).filter(n__gte=48).order_by("-n").first()
    product = Product.objects.filter(status="active").order_by("pk")[Product.objects.count() // 2]
    return f"/catalog/{leaf.slug}/?per_page=48", f"/products/{product.sku}/"


def run(db: str, parts: int, preset: str) -> dict:
    env = common.bench_env(db)
    os.environ.update(env)
    if db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    speed_at_start = common.speed_reference_ms()
    common.fresh_database(db, env)
    import django

    django.setup()
    from tradepost.catalog.generator import generate_csv
    from tradepost.catalog.imports import catalog_import
    from tradepost.policies.loading import load_preset
    from tradepost.policies.services import policy_activate

    policy_activate(policy=load_preset(preset), source="bench")
    csv_path = common.ROOT / "var" / "bench" / f"catalog-{preset}-{parts}.csv"
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    if not csv_path.exists():  # written aside and renamed: another run may be reading or writing it too
        partial = csv_path.with_suffix(f".{os.getpid()}.part")
        with partial.open("w", newline="") as target:
            generate_csv(parts=parts, preset=preset, seed=1, target=target)
        partial.replace(csv_path)
    # Categories and spec attributes come with the generator; create them before importing rows.
    from tradepost.catalog.generator import catalog_taxonomy_ensure
    from tradepost.catalog.management.commands.catalog import DEFAULT_JOBS

    catalog_taxonomy_ensure(preset=preset)
    start, cpu_at_start = time.perf_counter(), common.cpu_times()
    with csv_path.open("rb") as source:  # as `tradepost catalog import FILE` reads it
        report = catalog_import(source=source, jobs=DEFAULT_JOBS)
    seconds = time.perf_counter() - start
    stolen = {"import": common.stolen_percent(cpu_at_start, common.cpu_times())}
    if report.failed:
        raise RuntimeError(f"import reported {report.failed} bad rows: {report.errors[:3]}")
    result = {"db": db, "parts": parts, "import_rows_per_s": report.rows / seconds, "import_seconds": seconds}
    from django.db import connection

    if db == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
    else:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    queries = build_queries()
    category_path, product_path = page_targets()
    result["category_queries_cold"], result["category_queries"] = queries_per_request(category_path)
    result["product_queries_cold"], result["product_queries"] = queries_per_request(product_path)
    signed_in = signed_in_cookie()
    result["category_rendered_queries"] = queries_per_request(category_path, cookie=signed_in)[1]
    result["product_rendered_queries"] = queries_per_request(product_path, cookie=signed_in)[1]
    statements = search_statements(queries)
    connection.close()
    with common.gunicorn(env, keep_alive=True) as (base, server):
        cpu_at_start = common.cpu_times()
        result["http"], result["raw_sql"] = time_search(base, queries, statements)
        result["http_floor"] = time_floor(base)
        searched = common.cpu_times()
        stolen["search"] = common.stolen_percent(cpu_at_start, searched)
        search_rss = common.worker_rss_mb(server.pid)
    # Pages on sync workers: wrk's 8 connections would stay with whichever gthread worker accepted them,
    # at times all 8 with one; a new connection per request spreads them over both.
    with common.gunicorn(env) as (base, server):
        result["category_rps"] = common.wrk(base + category_path)
        result["product_rps"] = common.wrk(base + product_path)
        cookie = [f"Cookie: {signed_in}"]
        result["category_rendered_rps"] = common.wrk(base + category_path, headers=cookie)
        result["product_rendered_rps"] = common.wrk(base + product_path, headers=cookie)
        stolen["pages"] = common.stolen_percent(searched, common.cpu_times())
        result["worker_rss_mb"] = max(search_rss, common.worker_rss_mb(server.pid))
    result["speed_reference_ms"] = (speed_at_start, common.speed_reference_ms())
    result["cpu_stolen_percent"] = stolen
    result["ratio_p95"] = result["http"]["all"]["p95"] / result["raw_sql"]["p95"]
    return result


def report(results: list[dict]) -> str:
    lines = [
        "## Catalog (`make bench-search`)",
        "",
        f"Machine: {common.machine_info()}.",
        "",
        "Search: `GET /api/v1/products?q=` through gunicorn (2 gthread workers of one thread each, keeping "
        "the connection alive between requests as browsers and API clients do; sync workers, which close it "
        "after every answer, gave an HTTP/raw ratio 0.2-0.5 higher on SQLite), 200 queries "
        f"({', '.join(f'{n} {k}' for k, n in QUERY_MIX.items())}), one pass to warm up, then "
        f"{TIMED_PASSES} timed; raw SQL = every statement the request ran (the search's and the product "
        f"cards', {results[0]['raw_sql'].get('statements_per_request', 0):.1f} per request on average) "
        "re-run on the connection, in passes alternating with the HTTP passes. HTTP floor: the same endpoint "
        "searching for one character, which it answers without SQL: what gunicorn, Django and the endpoint "
        "cost by themselves.",
        "",
        "This virtual machine's speed changes within minutes: the speed reference (see Machine) is taken "
        "again as each database and size starts and ends, and the share of CPU time the hypervisor took "
        "away (steal, /proc/stat) is measured during the import, the search timing and the page runs. A "
        "row measured while a few percent was stolen ran on a slower machine than its neighbours.",
        "",
        "| DB | parts | search p50 | p95 | p99 | raw SQL p95 | HTTP/raw p95 | HTTP floor p50 / p95 "
        "| import rows/s | worker RSS | speed ref start / end | CPU stolen: import / search / pages |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        h = r["http"]["all"]
        lines.append(
            f"| {r['db']} | {r['parts']:,} | {h['p50']:.1f} ms | {h['p95']:.1f} ms | {h['p99']:.1f} ms | "
            f"{r['raw_sql']['p95']:.1f} ms | {r['ratio_p95']:.2f} | "
            f"{r['http_floor']['p50']:.2f} / {r['http_floor']['p95']:.2f} ms | "
            f"{r['import_rows_per_s']:,.0f} | "
            f"{r['worker_rss_mb']:.0f} MB | "
            f"{r['speed_reference_ms'][0]:.0f} / {r['speed_reference_ms'][1]:.0f} ms | "
            + " / ".join(f"{r['cpu_stolen_percent'][phase]:.1f}%" for phase in ("import", "search", "pages"))
            + " |"
        )
    lines += [
        "",
        "Pages: wrk, 2 sync gunicorn workers (a new connection per request: wrk's 8 connections kept alive "
        "would stay with whichever gthread worker accepted them, at times all with one), 8 connections, "
        "10 s each; a category page of 48 products and a "
        "product page. *Visitors* come without a session cookie and get the whole page from the page cache "
        "(storefront/pagecache.py: keyed on the catalog generation, which every committed change to what "
        "the page shows moves on, and for a product on its row as read on every request); *signed in* is a "
        "buyer's session (agreement accepted): the cached page with that buyer's own corner of the header "
        "(cart count, name) rendered into it, after the session (from the cache) and the user (with the "
        "agreement and policy versions, one query) are read. Queries per request in brackets (the first "
        "request's after the semicolon when it differs).",
        "",
        "| DB | parts | category, visitors req/s | category, signed in | product, visitors "
        "| product, signed in |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['db']} | {r['parts']:,} | {r['category_rps']:,.0f} ({_queries(r, 'category')}) | "
            f"{r['category_rendered_rps']:,.0f} ({r['category_rendered_queries']}) | "
            f"{r['product_rps']:,.0f} ({_queries(r, 'product')}) | "
            f"{r['product_rendered_rps']:,.0f} ({r['product_rendered_queries']}) |"
        )
    lines += [
        "",
        "Search p95 by kind (ms):",
        "",
        "| DB | parts | " + " | ".join(QUERY_MIX) + " |",
        "|---|---|" + "---|" * len(QUERY_MIX),
    ]
    for r in results:
        lines.append(
            f"| {r['db']} | {r['parts']:,} | "
            + " | ".join(f"{r['http'][k]['p95']:.1f}" for k in QUERY_MIX)
            + " |"
        )
    lines += [
        "",
        "Targets: at 1,000,000 parts, search p95 ≤ 20 ms and ≤ 2× raw SQL, and import ≥ 5,000 rows/s; at "
        "both sizes, category page ≥ 300 req/s, ≤ 10 queries; product page ≥ 500 req/s, ≤ 8 queries; "
        "worker RSS ≤ 200 MB. The 10,000-part search and import rows show how the numbers scale.",
    ]
    return "\n".join(lines)


def _queries(result: dict, page: str) -> str:
    warm, cold = result[f"{page}_queries"], result.get(f"{page}_queries_cold")
    return f"{warm}" if cold in (None, warm) else f"{warm}; first {cold}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--parts", type=int, action="append")
    parser.add_argument("--preset", default="components")
    parser.add_argument("--out", default=str(common.ROOT / "BENCHMARKS.md"))
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # one database and size per process: Django settings are per process
        print(common.dump(run(args.db[0], args.parts[0], args.preset)))
        return
    import json
    import subprocess

    results = []
    for parts in args.parts or [10_000, 1_000_000]:
        for db in args.db or ["sqlite", "postgres"]:
            print(f"== {db}, {parts:,} parts", file=sys.stderr, flush=True)
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.catalog",
                    "--one",
                    "--db",
                    db,
                    "--parts",
                    str(parts),
                    "--preset",
                    args.preset,
                ],
                cwd=common.ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout[out.stdout.index("{") :])
            print(common.dump(result), file=sys.stderr)
            results.append(result)
    common.write_section(Path(args.out), "catalog", report(results))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
