"""Load on the issuance center over gRPC: N simulated kiosks, K center processes, one PostgreSQL.

    .venv/bin/python bench/center_load.py --kiosks 2000 --seconds 30 [--centers K] [--rate R]

What it does, all on this machine, all cleaned up at the end (Ctrl-C included):

1. Starts a private PostgreSQL (Debian's initdb/pg_ctl, as ``nobody`` when run as root, in a temp
   dir, Unix socket only, a private port number), tuned for this benchmark (``PG_SETTINGS``).
   Durable: fsync, full_page_writes and synchronous_commit stay on (a 発行番号 once answered must
   survive a crash, and the figures must be those of a real center).
2. Provisions the demo data once (app.provision.provision; cached in ``--cache``), migrates the
   database and loads the demo registry with the demo cards' certificate links (the functions
   behind ``kiosk-center migrate`` / ``load-demo --links-from DATA_DIR``).
3. Makes a fleet (center.fleet) and one client certificate per simulated kiosk (cached too).
4. Starts K ``kiosk-center serve --config FILE`` processes (own port each, ``database`` = the
   PostgreSQL URL) and waits until each answers over mutual TLS.
5. Runs N kiosks in ``--clients`` processes (bench/center_load_kiosk.py: grpc.aio, one channel
   and certificate per kiosk, kiosks spread round robin over the centers), ``--warmup`` seconds
   then ``--seconds`` measured.
6. Checks the 交付記録 (issuance_records): no 発行番号 twice per municipality and day (nor handed to
   two sessions), numbering gap-free against issue_counters, every number issued reported
   printed, and the kiosks' count of issued numbers equal to the database's.

The last line it prints is always:
``kiosks N, centers K, sessions/s X, p50 A ms, p99 B ms, errors E, duplicate numbers D``

Load: ``--rate`` sessions/s offered (default 300, the target) as a Poisson stream over all kiosks
(each kiosk its share, never two sessions at once); ``--rate 0`` runs every kiosk back to back
(closed loop: the capacity, with few kiosks; keep kiosks per center under 2 x ``--workers``, the
center refuses RESOURCE_EXHAUSTED past 4 x workers concurrent calls). Errors count every call that
failed (no retries: RESOURCE_EXHAUSTED included) and every unexpected refusal.

Where the time goes: per call type latencies at the kiosks, the CPU seconds of the centers,
PostgreSQL and the kiosk processes over the measured window, pg_stat_activity samples (what the
database's connections are doing) and pg_stat_statements (``--statements``).
"""
from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from argparse import Namespace
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PYTHON = sys.executable
KIOSK_CENTER = ([str(Path(PYTHON).parent / "kiosk-center")] if (Path(PYTHON).parent / "kiosk-center").exists()
                else [PYTHON, "-m", "center.cli"])
WORKER = REPO / "bench" / "center_load_kiosk.py"
PG_ROOT = Path("/usr/lib/postgresql")
PG_USER = "kiosk"
RUN_AS_WHEN_ROOT = "nobody"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "konbini-center-load"
# Cards whose session (住民票の写し from the residence municipality) the demo answers; all ordinary,
# with a PIN and a resident.
DEFAULT_CARDS = ("sato-ichiro", "sato-hanako", "takahashi-masao", "watanabe-misaki", "silva-rafael", "sato-aoi",
                 "saito-takumi", "hamada-koji", "hamada-keiko")
# PostgreSQL for this benchmark: everything in memory (the database is a few MB), no checkpoint
# inside a run (its full-page writes would make a WAL burst), statistics on. Durability as in
# production: fsync, full_page_writes and synchronous_commit stay at their defaults (on); commits
# of concurrent sessions share one WAL flush anyway (group commit).
PG_SETTINGS = {
    "listen_addresses": "''",
    "max_connections": "400",
    "shared_buffers": "512MB",
    "wal_buffers": "16MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "30min",
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "all",
    "track_io_timing": "on",
    "log_min_duration_statement": "-1",
}


# --- PostgreSQL -------------------------------------------------------------------------------------
class Postgres:
    def __init__(self, settings: dict[str, str]) -> None:
        found = sorted(PG_ROOT.glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                       if p.parent.parent.name.isdigit() else 0)
        if not found:
            raise SystemExit("PostgreSQL is not installed (scripts/system-deps.sh installs postgresql)")
        self.bindir = found[-1].parent
        self.root = Path(tempfile.mkdtemp(prefix="center-load-pg-"))
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam(RUN_AS_WHEN_ROOT)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", RUN_AS_WHEN_ROOT, "--"]
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log = self.root / "server.log"
        self.port = _free_port(36900)
        self.settings = settings
        self.started = False

    def _run(self, *command: str, timeout: float = 120) -> None:
        done = subprocess.run([*self.prefix, *command], check=False, capture_output=True, text=True, timeout=timeout,
                              cwd=self.root, stdin=subprocess.DEVNULL, start_new_session=True)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name}: {(done.stderr or done.stdout).strip()[-500:]}")

    def start(self) -> None:
        self._run("mkdir", "-m", "0700", str(self.socket_dir))
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", PG_USER, "--auth=trust",
                  "--encoding=UTF8", "--no-locale", "--no-instructions")
        options = " ".join(f"-c {k}={v}" for k, v in self.settings.items())
        options += f" -k {self.socket_dir} -p {self.port}"
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                      "-w", "-t", "60", "start")
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; log: {self.log.read_text(errors='replace')[-800:] if self.log.exists() else ''}")
        self.started = True

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{PG_USER}@/{database}?host={self.socket_dir}&port={self.port}"

    def connect(self, database: str = "postgres") -> Any:
        import psycopg
        return psycopg.connect(host=str(self.socket_dir), port=self.port, user=PG_USER, dbname=database,
                               autocommit=True)

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        try:
            if self.started:
                self.started = False
                try:
                    self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")
                except Exception:  # noqa: BLE001 - then harder
                    self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _free_port(first: int) -> int:
    for port in range(first, first + 500):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


# --- demo data, fleet ----------------------------------------------------------------------------------
def provision_data(cache: Path) -> Path:
    from app.provision import provision
    from kiosk.config import KioskConfig

    data_dir = cache / "data"
    print(f"demo data: {provision(KioskConfig(data_dir=data_dir))}", flush=True)
    return data_dir


def make_fleet(cache: Path, kiosks: int) -> tuple[Path, list[tuple[str, Path]]]:
    from center.fleet import Fleet

    fleet_dir = cache / "fleet"
    fleet = Fleet(fleet_dir) if fleet_dir.exists() else Fleet.init(fleet_dir)
    made, started = 0, time.perf_counter()
    out = []
    for i in range(kiosks):
        kiosk_id = f"LOAD-{i:05d}"
        directory = cache / "kiosks" / kiosk_id
        if not (directory / "kiosk.key").exists():
            fleet.enroll_kiosk(kiosk_id, directory)
            made += 1
        out.append((kiosk_id, directory))
    print(f"fleet: {kiosks} kiosk certificates ({made} made in {time.perf_counter() - started:.1f} s, "
          f"the rest cached in {cache})", flush=True)
    return fleet_dir, out


def load_database(url: str, data_dir: Path) -> None:
    from center.storage.cli_commands import load_demo_command, migrate_command

    if migrate_command(Namespace(database=url)) != 0:
        raise RuntimeError("migrate failed")
    if load_demo_command(Namespace(database=url, residents=None, links_from=data_dir, replace=False)) != 0:
        raise RuntimeError("load-demo failed")


# --- centers ---------------------------------------------------------------------------------------
@dataclass
class Center:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def start_centers(k: int, work: Path, fleet_dir: Path, data_dir: Path, url: str, workers: int,
                  cache_seconds: float) -> list[Center]:
    centers = []
    # one token key for all (a kiosk's token is good at any center)
    token_key = work / "token.key"
    fd = os.open(token_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(os.urandom(32))
    for i in range(k):
        port = _free_port(37100 + 50 * i)
        config = work / f"center-{i}.toml"
        config.write_text(
            f'address = "127.0.0.1:{port}"\nfleet_dir = "{fleet_dir}"\ndata_dir = "{data_dir}"\n'
            f'database = "{url}"\nworkers = {workers}\nregistry_cache_seconds = {cache_seconds}\n'
            f'token_key = "{token_key}"\n')
        log = work / f"center-{i}.log"
        command = [*KIOSK_CENTER, "serve", "--config", str(config)]
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       cwd=REPO, start_new_session=True)
        centers.append(Center(process, port, log))
    return centers


def wait_for_centers(centers: list[Center], ca: Path, kiosk_dir: Path, timeout: float = 60) -> None:
    import grpc

    from center.api import center_pb2 as pb
    from center.api import center_pb2_grpc as pb_grpc

    creds = grpc.ssl_channel_credentials(ca.read_bytes(), (kiosk_dir / "kiosk.key").read_bytes(),
                                         (kiosk_dir / "kiosk.pem").read_bytes())
    deadline = time.monotonic() + timeout
    for c in centers:
        with grpc.secure_channel(c.address, creds) as channel:
            stub = pb_grpc.IssuanceCenterStub(channel)
            while True:
                if c.process.poll() is not None:
                    raise RuntimeError(f"center on {c.port} exited: {c.log.read_text(errors='replace')[-1500:]}")
                try:
                    stub.CatalogSnapshot(pb.CatalogRequest(), timeout=2)
                    break
                except grpc.RpcError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"center on {c.port} does not answer") from None
                    time.sleep(0.2)


def stop_process(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- CPU accounting --------------------------------------------------------------------------------
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def postgres_cpu(postmaster: int) -> float:
    """CPU of the postmaster and its live children (backends of connections closed mid-window are missed)."""
    return cpu_seconds(postmaster) + sum(cpu_seconds(p) for p in children(postmaster))


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / _TICK, sum(values) / _TICK


# --- sampling the database during the window ----------------------------------------------------------
class ActivitySampler(threading.Thread):
    """pg_stat_activity of the center's connections every 100 ms: active or idle, waiting on what."""

    def __init__(self, pg: Postgres, database: str) -> None:
        super().__init__(daemon=True)
        self.pg, self.database = pg, database
        self.samples = 0
        self.failed = ""
        self.states: Counter[str] = Counter()
        self.stop_event = threading.Event()

    def run(self) -> None:
        try:
            self._sample()
        except Exception as exc:  # noqa: BLE001 - PostgreSQL stopped under it (Ctrl-C): the samples so far stand
            self.failed = type(exc).__name__

    def _sample(self) -> None:
        with self.pg.connect(self.database) as conn:
            while not self.stop_event.wait(0.1):
                rows = conn.execute(
                    "SELECT state, coalesce(wait_event_type || ':' || wait_event, 'cpu') FROM pg_stat_activity "
                    "WHERE application_name = 'kiosk-center' AND pid <> pg_backend_pid()").fetchall()
                self.samples += 1
                for state, wait in rows:
                    self.states[f"{state}/{wait}" if state == "active" else str(state)] += 1


# --- the run ------------------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(args: argparse.Namespace) -> int:
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="center-load-"))
    pg: Postgres | None = None
    centers: list[Center] = []
    workers: list[subprocess.Popen[str]] = []
    try:
        data_dir = provision_data(cache)
        fleet_dir, kiosk_dirs = make_fleet(cache, args.kiosks)
        pg = Postgres(PG_SETTINGS)
        pg.start()
        with pg.connect() as conn:
            conn.execute('CREATE DATABASE "center"')
        url = pg.url("center")
        with pg.connect("center") as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        load_database(url, data_dir)
        print(f"postgresql {pg.bindir.parent.name}: {', '.join(f'{k}={v}' for k, v in PG_SETTINGS.items() if k != 'listen_addresses')}"
              " (fsync, full_page_writes, synchronous_commit: on)", flush=True)

        centers = start_centers(args.centers, work, fleet_dir, data_dir, url, args.workers,
                                args.registry_cache_seconds)
        wait_for_centers(centers, fleet_dir / "ca.pem", kiosk_dirs[0][1])
        print(f"centers: {args.centers} (workers {args.workers}, registry_cache_seconds "
              f"{args.registry_cache_seconds}) on {', '.join(c.address for c in centers)}", flush=True)

        # kiosks: round robin over centers; contiguous blocks per client process
        assignment = [(kid, str(d), centers[i % len(centers)].address) for i, (kid, d) in enumerate(kiosk_dirs)]
        n_clients = max(1, min(args.clients, args.kiosks))
        per = -(-args.kiosks // n_clients)
        for j in range(n_clients):
            block = assignment[j * per:(j + 1) * per]
            if not block:
                continue
            spec = {"cards_dir": str(data_dir / "cards"), "cards": list(args.cards), "ca": str(fleet_dir / "ca.pem"),
                    "kiosks": block, "first_index": j * per, "total_kiosks": args.kiosks, "rate": args.rate,
                    "warmup": args.warmup, "seconds": args.seconds, "catalog": True, "seed": args.seed}
            spec_path = work / f"kiosks-{j}.json"
            spec_path.write_text(json.dumps(spec))
            workers.append(subprocess.Popen([PYTHON, str(WORKER), str(spec_path), str(work / f"result-{j}.json")],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
                                            start_new_session=True))
        connect_started = time.perf_counter()
        for w in workers:
            line = w.stdout.readline() if w.stdout else ""
            if line.strip() != "ready":
                raise RuntimeError(f"a kiosk process did not connect (exit {w.poll()})")
        print(f"kiosks: {args.kiosks} connected over mutual TLS in {time.perf_counter() - connect_started:.1f} s "
              f"({len(workers)} client processes)", flush=True)

        t0 = time.time() + 0.5
        for w in workers:
            assert w.stdin is not None
            w.stdin.write(f"go {t0}\n")
            w.stdin.flush()
        window_start, window_end = t0 + args.warmup, t0 + args.warmup + args.seconds
        time.sleep(max(0.0, window_start - time.time()))
        with pg.connect("center") as conn:
            conn.execute("SELECT pg_stat_statements_reset()")
            conn.execute("SELECT pg_stat_reset_shared('wal')")
        postmaster = pg.postmaster_pid()
        cpu0 = {"centers": [cpu_seconds(c.process.pid) for c in centers], "postgres": postgres_cpu(postmaster),
                "machine": machine_cpu()}
        sampler = ActivitySampler(pg, "center")
        sampler.start()
        time.sleep(max(0.0, window_end - time.time()))
        cpu1 = {"centers": [cpu_seconds(c.process.pid) for c in centers], "postgres": postgres_cpu(postmaster),
                "machine": machine_cpu()}
        sampler.stop_event.set()
        sampler.join()
        with pg.connect("center") as conn:
            statements = conn.execute(
                "SELECT calls, total_exec_time, mean_exec_time, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) "
                "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'center') "
                "AND query NOT LIKE '%pg_stat_activity%' "
                "ORDER BY total_exec_time DESC LIMIT 12").fetchall()
            wal = conn.execute("SELECT wal_records, wal_bytes, wal_sync FROM pg_stat_wal").fetchone()

        for w in workers:
            rc = w.wait(timeout=args.warmup + args.seconds + 120)
            if rc != 0:
                raise RuntimeError(f"a kiosk process failed (exit {rc})")
        results = [json.loads((work / f"result-{j}.json").read_text()) for j in range(len(workers))]
        checks = verify(pg, results)
        return report(args, results, checks, cpu0, cpu1, sampler, statements, wal, centers)
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
        for c in centers:
            stop_process(c.process)
        if pg is not None:
            pg.stop()
        if args.keep_logs and centers:
            for c in centers:
                shutil.copy(c.log, Path(args.keep_logs) / c.log.name)
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class Checks:
    duplicates: int
    issued_db: int
    issued_kiosks: int
    unprinted: int
    gaps: int
    per_day: list[tuple[str, str, int, int, int]]


def verify(pg: Postgres, results: list[dict[str, Any]]) -> Checks:
    """The 交付記録 after the run: 発行番号 unique per municipality and day, gap-free, all printed."""
    issued = [tuple(x) for r in results for x in r["issued"]]
    owners: dict[str, set[tuple[str, str]]] = {}
    for number, kiosk, session in issued:
        owners.setdefault(number, set()).add((kiosk, session))
    handed_twice = sum(1 for o in owners.values() if len(o) > 1)  # one number, two sessions
    with pg.connect("center") as conn:
        twice_in_db = conn.execute(
            "SELECT count(*) FROM (SELECT issue_number FROM issuance_records WHERE outcome = 'issued' "
            "GROUP BY issue_number HAVING count(*) > 1) d").fetchone()[0]
        per_day = conn.execute(
            "SELECT split_part(issue_number, '-', 1) AS code, split_part(issue_number, '-', 2) AS day, "
            "count(*), count(DISTINCT issue_number), max(split_part(issue_number, '-', 3)::int) "
            "FROM issuance_records WHERE outcome = 'issued' GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
        counters = {(c, d): n for c, d, n in conn.execute(
            "SELECT municipality_code, day, last_number FROM issue_counters").fetchall()}
        unprinted = conn.execute(
            "SELECT count(*) FROM issuance_records i WHERE outcome = 'issued' AND NOT EXISTS "
            "(SELECT 1 FROM issuance_records p WHERE p.issue_number = i.issue_number AND p.outcome = 'printed')"
        ).fetchone()[0]
        db_numbers = {n for (n,) in conn.execute(
            "SELECT issue_number FROM issuance_records WHERE outcome = 'issued'").fetchall()}
    # A number handed to a kiosk but missing from the 交付記録 is one the database gave twice
    # (the second ``issued`` row was dropped by ON CONFLICT) or never recorded.
    missing = len(set(owners) - db_numbers)
    duplicates = handed_twice + twice_in_db + sum(rows - distinct for _, _, rows, distinct, _ in per_day) + missing
    gaps = sum(1 for code, day, rows, distinct, top in per_day
               if not (distinct == top == counters.get((code, day))))
    return Checks(duplicates, sum(r[2] for r in per_day), len(owners), unprinted, gaps,
                  [tuple(r) for r in per_day])


def report(args: argparse.Namespace, results: list[dict[str, Any]], checks: Checks, cpu0: dict[str, Any],
           cpu1: dict[str, Any], sampler: ActivitySampler, statements: list[Any], wal: Any,
           centers: list[Center]) -> int:
    seconds = args.seconds
    sessions = [x for r in results for x in r["sessions"]]
    errors: Counter[str] = Counter()
    for r in results:
        errors.update(r["errors"])
    texts = [t for r in results for t in r["error_texts"]][:12]
    rate = len(sessions) / seconds
    p50, p99 = pct(sessions, 0.50), pct(sessions, 0.99)

    print(f"\nmeasured window: {seconds:g} s after {args.warmup:g} s warm-up; offered "
          f"{'closed loop' if args.rate <= 0 else f'{args.rate:g} sessions/s (Poisson)'}")
    print(f"sessions: {len(sessions)} ended in the window; {sum(r['sessions_total'] for r in results)} "
          f"completed in all, {sum(r['started_total'] for r in results)} started")
    if sessions:
        print(f"session latency ms: p50 {p50:.1f}, p90 {pct(sessions, 0.9):.1f}, p99 {p99:.1f}, "
              f"max {max(sessions):.1f}, mean {statistics.fmean(sessions):.1f}")
    print("per call at the kiosk (ms):  calls   p50    p99   mean   (sum s)")
    for name in ("NewChallenge", "Authenticate", "Offers", "Issue", "Report", "End"):
        values = [x for r in results for x in r["calls"].get(name, [])]
        if values:
            print(f"  {name:<13}{len(values):>12} {pct(values, .5):6.1f} {pct(values, .99):6.1f} "
                  f"{statistics.fmean(values):6.1f} {sum(values) / 1000:8.1f}")
    signs = [x for r in results for x in r["sign_ms"]]
    if signs:
        print(f"  card signature (client CPU) {len(signs)}: mean {statistics.fmean(signs):.2f} ms")
    center_cpu = [b - a for a, b in zip(cpu0["centers"], cpu1["centers"])]
    pg_cpu = cpu1["postgres"] - cpu0["postgres"]
    client_cpu = sum(r["cpu_seconds"] for r in results)
    busy = cpu1["machine"][0] - cpu0["machine"][0]
    total = cpu1["machine"][1] - cpu0["machine"][1]
    per_session = (lambda s: f"{s / len(sessions) * 1000:.2f} ms/session" if sessions else "-")
    print(f"CPU over the window (cores busy; per session): machine {busy / seconds:.2f} of {total / seconds:.2f} "
          f"({100 * busy / total:.0f}%)")
    print(f"  centers {' + '.join(f'{c / seconds:.2f}' for c in center_cpu)} ({per_session(sum(center_cpu))}), "
          f"postgres {pg_cpu / seconds:.2f} ({per_session(pg_cpu)}), kiosks {client_cpu / seconds:.2f} "
          f"({per_session(client_cpu)})")
    if sampler.samples:
        shown = ", ".join(f"{k} {v / sampler.samples:.1f}" for k, v in sampler.states.most_common(8))
        print(f"pg_stat_activity (center connections, mean over {sampler.samples} samples): {shown}")
    if wal is not None:
        print(f"WAL: {float(wal[0]) / seconds:.0f} records/s, {float(wal[1]) / seconds / 1024:.0f} KiB/s, "
              f"{float(wal[2]) / seconds:.0f} syncs/s")
    if args.statements and statements:
        print("pg_stat_statements (window): calls, total ms, mean ms, query")
        for calls, total_ms, mean_ms, rows, query in statements:
            print(f"  {calls:>7} {total_ms:9.0f} {mean_ms:7.3f}  {query}")
    print(f"交付記録: {checks.issued_db} issued rows, {checks.issued_kiosks} numbers at the kiosks, "
          f"{checks.unprinted} not reported printed, {checks.gaps} municipality-days not gap-free, "
          f"{checks.duplicates} duplicates")
    for code, day, rows, distinct, top in checks.per_day:
        print(f"  {code} {day}: {rows} issued, numbers 1..{top}")
    bad_records = checks.unprinted + checks.gaps + (checks.issued_db != checks.issued_kiosks)
    if errors:
        in_window = sum(r.get("errors_in_window", 0) for r in results)
        print(f"errors ({in_window} of them in sessions started in the window; the rest in the warm-up, "
              "CatalogSnapshot at boot included): " + ", ".join(f"{k} {v}" for k, v in errors.most_common()))
        for t in texts:
            print(f"  {t}")
    if bad_records:
        print(f"the 交付記録 check failed ({bad_records}): counted as errors")
    total_errors = sum(errors.values()) + bad_records
    print(f"kiosks {args.kiosks}, centers {args.centers}, sessions/s {rate:.1f}, p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms, errors {total_errors}, duplicate numbers {checks.duplicates}")
    return 0 if total_errors == 0 and checks.duplicates == 0 else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kiosks", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=30.0, help="measured window")
    p.add_argument("--centers", type=int, default=1)
    p.add_argument("--rate", type=float, default=300.0,
                   help="offered sessions/s over all kiosks (Poisson); 0: every kiosk back to back (closed loop)")
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--clients", type=int, default=2, help="kiosk processes")
    p.add_argument("--workers", type=int, default=16, help="each center's `workers` (threads and DB connections)")
    p.add_argument("--registry-cache-seconds", type=float, default=60.0,
                   help="the centers' registry_cache_seconds (0: every registry read goes to the database)")
    p.add_argument("--cards", nargs="+", default=list(DEFAULT_CARDS))
    p.add_argument("--cache", default=str(DEFAULT_CACHE), help="demo data and kiosk certificates, kept between runs")
    p.add_argument("--statements", action="store_true", help="print the top pg_stat_statements")
    p.add_argument("--keep-logs", default="", help="copy the centers' logs into this directory")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even if started with SIGINT ignored
    try:
        return run(args)
    except KeyboardInterrupt:
        print("interrupted: centers and PostgreSQL stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
