"""Shared plumbing for benchmarks: fresh databases, a gunicorn server, timings, machine info."""

import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import timeit
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/tradepost_bench")
# Where each database's files go (var/bench-sqlite, var/bench-postgres): set BENCH_VAR to keep two
# benchmark runs on one machine apart (with BENCH_PG_URL naming another PostgreSQL database).
VAR = Path(os.environ.get("BENCH_VAR", str(ROOT / "var")))


def bench_env(db: str) -> dict:
    """Production-like settings (DEBUG off) on a dedicated database."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TRADEPOST_DEV", "DEBUG"}}
    env.update(
        {
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TRADEPOST_VAR_DIR": str(VAR / f"bench-{db}"),
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # Emails are rendered as in production, then dropped: no SMTP server in a benchmark.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
    )
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL
    return env


def fresh_database(db: str, env: dict) -> None:
    """Drop and recreate the benchmark database, then migrate and collect static files."""
    var = Path(env["TRADEPOST_VAR_DIR"])
    if db == "sqlite":
        shutil.rmtree(var, ignore_errors=True)
    else:
        name = PG_URL.rsplit("/", 1)[1]
        for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", PG_ADMIN_URL, "-q", "-c", sql], check=True)
    var.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)


def manage(*args, env: dict, capture: bool = False) -> str:
    result = subprocess.run(
        [PY, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True, capture_output=capture, text=True
    )
    return result.stdout if capture else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, *, workers: int = 2, keep_alive: bool = False):
    """Serve the app on a free port. keep_alive: gthread workers (one thread each), which keep a client's
    connection open between requests as browsers and API clients with a session use it; sync workers
    close it after every response, so each request pays for a new TCP connection."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "config.wsgi:application",
            "--preload",  # the master imports and warms the app once (config/wsgi.py); workers fork warm
            "-w",
            str(workers),
            *(["--worker-class", "gthread", "--threads", "1"] if keep_alive else []),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            str(Path(env["TRADEPOST_VAR_DIR"]) / "gunicorn.log"),
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/v1/categories", timeout=2).read()  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def worker_rss_mb(master_pid: int) -> float:
    """Largest resident set among the gunicorn workers, in MB."""
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
            if match:
                sizes.append(int(match.group(1)) / 1024)
    return max(sizes) if sizes else float("nan")


def percentiles(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98], "n": len(ordered)}


def wrk(url: str, *, seconds: int = 10, connections: int = 8, threads: int = 2, headers=()) -> float:
    """Requests per second that wrk measured against `url`."""
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", *(f"-H{h}" for h in headers), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"wrk saw {non2xx.group(1)} error responses from {url}")
    return float(match.group(1))


class CpuMeter:
    """CPU seconds spent while the block runs: by the server's workers, by this process (the load
    generator), by PostgreSQL's processes and by the whole machine (the kernel and everything else is the
    difference)."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    def __enter__(self) -> "CpuMeter":
        self._start = self._read()
        return self

    def __exit__(self, *exc) -> None:
        end = self._read()
        self.server, self.generator, self.database, self.machine = (
            b - a for a, b in zip(self._start, end, strict=True)
        )
        self.rest = max(0.0, self.machine - self.server - self.generator - self.database)

    def _read(self) -> tuple[float, float, float, float]:
        tick = os.sysconf("SC_CLK_TCK")
        workers = subprocess.run(
            ["pgrep", "-P", str(self.server_pid)], capture_output=True, text=True
        ).stdout.split()
        server = sum(_process_ticks(int(pid)) for pid in [self.server_pid, *workers]) / tick
        own = os.times()
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        busy = sum(int(v) for v in fields) - int(fields[3]) - int(fields[4])  # all but idle and iowait
        return server, own.user + own.system, _postgres_ticks() / tick, busy / tick


def _postgres_ticks() -> int:
    """utime + stime of every PostgreSQL process on the machine (its backends serve the benchmark)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += _process_ticks(int(entry.name))
            except OSError:
                continue
    return total


def _process_ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def machine_info() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = match.group(1).strip() if match else cpu
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import sqlite3

    pg = subprocess.run(["psql", PG_ADMIN_URL, "-tAc", "show server_version"], capture_output=True, text=True)
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL {pg.stdout.strip() or 'n/a'}; "
        f"speed reference {speed_reference_ms():.0f} ms (a fixed pure-Python loop, best of five; "
        "lower is faster)"
    )


def cpu_times() -> tuple[int, int]:
    """(stolen, all) clock ticks of the machine's CPUs so far (/proc/stat): stolen is time the hypervisor
    gave them to another virtual machine, which slows whatever runs here as if the machine were slower."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return fields[7], sum(fields)  # user nice system idle iowait irq softirq steal (guest time is in user)


def stolen_percent(start: tuple[int, int], end: tuple[int, int]) -> float:
    """Share of CPU time stolen between two cpu_times() readings, in percent."""
    stolen, total = (b - a for a, b in zip(start, end, strict=True))
    return 100 * stolen / total if total else 0.0


def speed_reference_ms() -> float:
    """One core's speed on a fixed pure-Python workload: the same model of virtual machine has run 2x faster
    or slower from one day to the next, so results of two runs compare only with this beside them."""

    def work() -> int:
        total = 0
        for i in range(1_000_000):
            total += i * i % 7
        return total

    return min(timeit.repeat(work, number=1, repeat=5)) * 1000


def write_section(path: Path, marker: str, body: str) -> None:
    """Replace the block between <!-- marker --> and <!-- /marker --> in BENCHMARKS.md, or append it."""
    text = (
        path.read_text()
        if path.exists()
        else "# Benchmarks\n\nProduced by `make bench`; numbers from this machine.\n"
    )
    start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def dump(obj) -> str:
    return json.dumps(obj, indent=2, default=str)
