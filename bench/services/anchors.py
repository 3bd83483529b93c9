"""The anchors: the same transactions as textbook SQL run by pgbench (PostgreSQL) or written
directly with sqlite3 (the embedded default), at the rows' concurrency.

The write anchors use their own tables in a schema `anchor` of the service's database: the
columns, types and indexes the service's tables have, nothing else (no foreign keys to other
documents, no idempotency keys, no per-subject event sequence). Reads select the service's own
rows.
"""

from __future__ import annotations

import glob
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ITEMS = 64


def sku(i: int) -> str:
    return f"B-{i}"


def pgbench_binary() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pgbench"),
        key=lambda p: int(re.search(r"/(\d+)/bin", p).group(1)),  # type: ignore[union-attr]
    )
    return versions[-1] if versions else None


@dataclass
class Tps:
    transactions: int
    seconds: float
    failed: int = 0

    @property
    def tps(self) -> float:
        return self.transactions / self.seconds if self.seconds else 0.0


def run_pgbench(dsn: str, script: str, *, seconds: float, clients: int, cpu: str | None) -> Tps:
    binary = pgbench_binary()
    if binary is None:
        raise RuntimeError("pgbench not found (PostgreSQL's server binaries)")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    pin = ["taskset", "-c", cpu] if cpu else []
    # Whole seconds: pgbench's -T takes nothing finer.
    # --max-tries: a deadlock or serialization failure is retried, as the services retry
    # them, instead of ending the client.
    cmd = [*pin, binary, "-n", "-M", "prepared", "-c", str(clients), "-j", "1",
           "--max-tries", "10", "-T", str(max(1, round(seconds))), "-f", f.name, dsn]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        Path(f.name).unlink()
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed: {done.stderr[-2000:]}")
    processed = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    took = re.search(r"duration: (\d+) s", done.stdout)
    if not processed or not took:
        raise RuntimeError(f"pgbench said: {done.stdout}")
    return Tps(int(processed.group(1)), float(took.group(1)), int(failed.group(1)) if failed else 0)


# --- inventory ------------------------------------------------------------------------------

INVENTORY_DDL = f"""
DROP SCHEMA IF EXISTS anchor CASCADE;
CREATE SCHEMA anchor;
CREATE TABLE anchor.bins (
  sku varchar(64), warehouse varchar(32), on_hand numeric(18,4) NOT NULL,
  value numeric(20,2) NOT NULL, updated_at timestamptz NOT NULL, PRIMARY KEY (sku, warehouse));
CREATE TABLE anchor.movements (
  id bigserial PRIMARY KEY, type varchar(16) NOT NULL, warehouse varchar(32) NOT NULL,
  reference varchar(200), posted_at timestamptz NOT NULL, posted_by varchar(100) NOT NULL);
CREATE INDEX ON anchor.movements (posted_at);
CREATE TABLE anchor.stock_ledger (
  id bigserial PRIMARY KEY, movement_id bigint NOT NULL REFERENCES anchor.movements,
  line_no bigint NOT NULL, sku varchar(64) NOT NULL, warehouse varchar(32) NOT NULL,
  quantity numeric(18,4) NOT NULL, unit_cost numeric(18,4) NOT NULL, value numeric(20,2) NOT NULL,
  on_hand_after numeric(18,4) NOT NULL, value_after numeric(20,2) NOT NULL,
  posted_at timestamptz NOT NULL, UNIQUE (movement_id, line_no, sku, warehouse));
CREATE INDEX ON anchor.stock_ledger (sku, warehouse, id);
CREATE INDEX ON anchor.stock_ledger (posted_at);
CREATE TABLE anchor.outbox (
  id bigserial PRIMARY KEY, event_id varchar(64) NOT NULL UNIQUE, topic varchar(120) NOT NULL,
  subject varchar(200) NOT NULL, sequence bigint NOT NULL, payload text NOT NULL,
  created_at timestamptz NOT NULL, published_at timestamptz);
CREATE INDEX ON anchor.outbox (published_at, id);
INSERT INTO anchor.bins
  SELECT 'B-' || i, 'MAIN', 1000000000, 2500000000, now() FROM generate_series(0, {ITEMS - 1}) i;
"""

# The outbox payload is about the size of the service's event for the same movement.
_EVENT_BYTES = 450
_LINE_BYTES = 260
_NEW_ID = "md5(random()::text || clock_timestamp()::text)"


def movement_script(kind: str, lines: int) -> str:
    """Lock the bins, insert the movement, its ledger lines (after-positions read from the
    locked bins), update the bins, insert the outbox row: six round trips, as a textbook
    transaction would make them whatever the number of lines."""
    sign, cost = ("-", "1") if kind == "issue" else ("+", "2.5")
    stride = ITEMS // lines
    sets = [f"\\set s random(0, {ITEMS - 1})"]
    sets += [f"\\set i{k} (:s + {k * stride}) % {ITEMS}" for k in range(lines)]
    keys = ", ".join(f"'B-' || :i{k}" for k in range(lines))
    numbered = ", ".join(f"({k}, 'B-' || :i{k})" for k in range(lines))
    payload = "x" * (_EVENT_BYTES + _LINE_BYTES * lines)
    return "\n".join(
        [
            *sets,
            "BEGIN;",
            f"SELECT sku, on_hand, value FROM anchor.bins WHERE warehouse = 'MAIN' "
            f"AND sku IN ({keys}) ORDER BY sku FOR UPDATE;",
            f"INSERT INTO anchor.movements (type, warehouse, posted_at, posted_by) "
            f"VALUES ('{kind}', 'MAIN', now(), 'bench') RETURNING id AS movement_id \\gset",
            "INSERT INTO anchor.stock_ledger (movement_id, line_no, sku, warehouse, quantity, "
            "unit_cost, value, on_hand_after, value_after, posted_at) "
            f"SELECT :movement_id, k.n, b.sku, b.warehouse, {sign}1, {cost}, {sign}{cost}, "
            f"b.on_hand {sign} 1, b.value {sign} {cost}, now() "
            f"FROM anchor.bins b JOIN (VALUES {numbered}) AS k(n, sku) ON b.sku = k.sku "
            "WHERE b.warehouse = 'MAIN';",
            f"UPDATE anchor.bins SET on_hand = on_hand {sign} 1, value = value {sign} {cost}, "
            f"updated_at = now() WHERE warehouse = 'MAIN' AND sku IN ({keys});",
            "INSERT INTO anchor.outbox (event_id, topic, subject, sequence, payload, created_at) "
            f"VALUES ({_NEW_ID}, 'inventory.stock-moved', 'warehouse/MAIN', 1, '{payload}', "
            "now());",
            "END;",
            "",
        ]
    )


ITEM_READ = f"""\\set i random(0, {ITEMS - 1})
SELECT * FROM items WHERE sku = 'B-' || :i;
"""

# What GET /stock?sku= answers: the SKU's bins with what active holds reserve of them.
STOCK_READ = f"""\\set i random(0, {ITEMS - 1})
SELECT b.sku, b.warehouse, b.on_hand, b.value, r.reserved FROM bins b
  LEFT JOIN (SELECT sku, warehouse, sum(quantity) AS reserved FROM reservations
             WHERE status = 'active' AND expires_at > now() GROUP BY sku, warehouse) r
  ON r.sku = b.sku AND r.warehouse = b.warehouse
  WHERE b.sku = 'B-' || :i ORDER BY b.sku, b.warehouse LIMIT 51;
"""


def invoice_read(first: int, last: int) -> str:
    return f"""\\set n random({first}, {last})
SELECT * FROM invoices WHERE id = :n;
SELECT * FROM invoice_lines WHERE invoice_id = :n ORDER BY line_no;
"""


# --- finance --------------------------------------------------------------------------------

FINANCE_DDL = f"""
DROP SCHEMA IF EXISTS anchor CASCADE;
CREATE SCHEMA anchor;
CREATE TABLE anchor.accounts (
  code varchar(16) PRIMARY KEY, type varchar(16) NOT NULL, active boolean NOT NULL,
  debit_total numeric(24,4) NOT NULL, credit_total numeric(24,4) NOT NULL);
CREATE TABLE anchor.journal_entries (
  id bigserial PRIMARY KEY, date date NOT NULL, memo varchar(500) NOT NULL,
  source varchar(16) NOT NULL, source_ref varchar(100), currency varchar(3) NOT NULL,
  rate numeric(24,8) NOT NULL, posted_at timestamptz NOT NULL, posted_by varchar(100) NOT NULL);
CREATE INDEX ON anchor.journal_entries (date, id);
CREATE INDEX ON anchor.journal_entries (source_ref);
CREATE TABLE anchor.journal_lines (
  id bigserial PRIMARY KEY, entry_id bigint NOT NULL REFERENCES anchor.journal_entries,
  line_no int NOT NULL, date date NOT NULL, account varchar(16) NOT NULL REFERENCES anchor.accounts,
  debit numeric(24,4) NOT NULL, credit numeric(24,4) NOT NULL, amount numeric(24,4) NOT NULL,
  party varchar(200), sku varchar(64), invoice_id bigint, UNIQUE (entry_id, line_no));
CREATE INDEX ON anchor.journal_lines (account, date, id);
CREATE INDEX ON anchor.journal_lines (invoice_id);
CREATE INDEX ON anchor.journal_lines (party, date, id);
CREATE TABLE anchor.invoices (
  id bigint PRIMARY KEY, customer varchar(200) NOT NULL, status varchar(16) NOT NULL,
  issue_no int NOT NULL, total numeric(24,4) NOT NULL, paid_amount numeric(24,4) NOT NULL,
  open_amount numeric(24,4) NOT NULL, issue_entry_id bigint, updated_at timestamptz NOT NULL);
CREATE TABLE anchor.invoice_lines (
  invoice_id bigint REFERENCES anchor.invoices, line_no int, sku varchar(64) NOT NULL,
  warehouse varchar(32) NOT NULL, quantity numeric(18,4) NOT NULL, net numeric(24,4) NOT NULL,
  tax numeric(24,4) NOT NULL, PRIMARY KEY (invoice_id, line_no));
CREATE TABLE anchor.payments (
  id bigserial PRIMARY KEY, invoice_id bigint NOT NULL REFERENCES anchor.invoices,
  customer varchar(200) NOT NULL, date date NOT NULL, amount numeric(24,4) NOT NULL,
  account varchar(16) NOT NULL, entry_id bigint NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX ON anchor.payments (invoice_id, id);
CREATE TABLE anchor.outbox (LIKE public.outbox INCLUDING ALL);
INSERT INTO anchor.accounts VALUES ('1100', 'asset', true, 0, 0), ('1200', 'asset', true, 0, 0),
  ('2200', 'liability', true, 0, 0), ('4000', 'income', true, 0, 0),
  ('6100', 'expense', true, 0, 0);
INSERT INTO anchor.invoices
  SELECT i, 'ACME', 'issued', 1, 1000000000, 0, 1000000000, NULL, now()
  FROM generate_series(1, {ITEMS}) i;
INSERT INTO anchor.invoice_lines
  SELECT i, 1, 'B-' || (i % {ITEMS}), 'MAIN', 1, 900000000, 100000000
  FROM generate_series(1, {ITEMS}) i;
"""


def _outbox(topic: str, subject: str, rows: int = 1) -> str:
    values = ", ".join(
        f"({_NEW_ID}, '{topic}', '{subject}', 1, '{'x' * 700}', now())" for _ in range(rows)
    )
    return (
        "INSERT INTO anchor.outbox (event_id, topic, subject, sequence, payload, created_at) "
        f"VALUES {values};"
    )


def _entry(source: str, ref: str) -> str:
    return (
        "INSERT INTO anchor.journal_entries (date, memo, source, source_ref, currency, rate, "
        f"posted_at, posted_by) VALUES (current_date, 'bench', '{source}', {ref}, 'USD', 1, "
        "now(), 'bench') RETURNING id AS entry_id \\gset"
    )


def _lines(rows: list[tuple[str, str, str, str]]) -> str:
    """(account, debit, credit, invoice_id) lines of :entry_id."""
    values = ", ".join(
        f"(:entry_id, {n}, current_date, '{a}', {d}, {c}, {d} - {c}, 'ACME', {inv})"
        for n, (a, d, c, inv) in enumerate(rows, start=1)
    )
    return (
        "INSERT INTO anchor.journal_lines (entry_id, line_no, date, account, debit, credit, "
        f"amount, party, invoice_id) VALUES {values};"
    )


def _accounts(rows: list[tuple[str, str, str, str]]) -> str:
    """Check the accounts an entry posts to and lock them in code order: the totals of the
    same few accounts are updated by every client, and any other order deadlocks."""
    codes = ", ".join(sorted({f"'{a}'" for a, _, _, _ in rows}))
    return (
        f"SELECT code, type, active FROM anchor.accounts WHERE code IN ({codes}) "
        "ORDER BY code FOR UPDATE;"
    )


def _totals(rows: list[tuple[str, str, str, str]]) -> str:
    debit = " ".join(f"WHEN '{a}' THEN {d}" for a, d, _, _ in rows)
    credit = " ".join(f"WHEN '{a}' THEN {c}" for a, _, c, _ in rows)
    codes = ", ".join(f"'{a}'" for a, _, _, _ in rows)
    return (
        f"UPDATE anchor.accounts SET debit_total = debit_total + CASE code {debit} END, "
        f"credit_total = credit_total + CASE code {credit} END WHERE code IN ({codes});"
    )


def journal_script() -> str:
    """A manual entry of two lines: check the accounts, insert entry and lines, keep the
    account totals in step, outbox."""
    rows = [("6100", "10", "0", "NULL"), ("1100", "0", "10", "NULL")]
    return "\n".join(
        [
            "BEGIN;",
            _accounts(rows),
            _entry("manual", "NULL"),
            _lines(rows),
            _totals(rows),
            _outbox("finance.journal-posted", "journal"),
            "END;",
            "",
        ]
    )


def issue_script(*, posts: bool) -> str:
    """Issue an invoice: lock it, read its lines, then either post receivable / sales / tax
    and mark it issued (`posts`, a synchronous issue) or only mark it and ask for the goods."""
    lock = [
        f"\\set n random(1, {ITEMS})",
        "BEGIN;",
        "SELECT * FROM anchor.invoices WHERE id = :n FOR UPDATE;",
        "SELECT * FROM anchor.invoice_lines WHERE invoice_id = :n ORDER BY line_no;",
    ]
    mark = (
        "UPDATE anchor.invoices SET status = 'issued', issue_no = issue_no + 1, "
        "updated_at = now() WHERE id = :n;"
    )
    if not posts:
        return "\n".join(
            [*lock, mark, _outbox("finance.invoice-issue-requested", "invoice", 2), "END;", ""]
        )
    rows = [("1200", "100", "0", ":n"), ("4000", "0", "90", ":n"), ("2200", "0", "10", ":n")]
    return "\n".join(
        [
            *lock,
            _accounts(rows),
            _entry("invoice", "'invoice:' || :n"),
            _lines(rows),
            _totals(rows),
            mark,
            _outbox("finance.invoice-issued", "invoice", 2),
            "END;",
            "",
        ]
    )


def payment_script() -> str:
    """Receive a payment: lock the invoice, check the account, post cash / receivable, insert
    the payment, update the invoice, outbox."""
    rows = [("1100", "0.01", "0", ":n"), ("1200", "0", "0.01", ":n")]
    return "\n".join(
        [
            f"\\set n random(1, {ITEMS})",
            "BEGIN;",
            "SELECT * FROM anchor.invoices WHERE id = :n FOR UPDATE;",
            _accounts(rows),
            _entry("payment", "'invoice:' || :n"),
            _lines(rows),
            _totals(rows),
            "INSERT INTO anchor.payments (invoice_id, customer, date, amount, account, entry_id, "
            "created_at) VALUES (:n, 'ACME', current_date, 0.01, '1100', :entry_id, now());",
            "UPDATE anchor.invoices SET paid_amount = paid_amount + 0.01, "
            "open_amount = open_amount - 0.01, updated_at = now() WHERE id = :n;",
            _outbox("finance.payment-received", "invoice"),
            "END;",
            "",
        ]
    )


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite(path: Path) -> sqlite3.Connection:
    # The pragmas the service sets on its own connections (erp.platform.db.engine).
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=10000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


SQLITE_DDL = """
CREATE TABLE bins (
  sku TEXT, warehouse TEXT, on_hand NUMERIC NOT NULL, value NUMERIC NOT NULL,
  updated_at TEXT NOT NULL, PRIMARY KEY (sku, warehouse));
CREATE TABLE movements (
  id INTEGER PRIMARY KEY, type TEXT NOT NULL, warehouse TEXT NOT NULL, reference TEXT,
  posted_at TEXT NOT NULL, posted_by TEXT NOT NULL);
CREATE INDEX ix_movements_posted_at ON movements (posted_at);
CREATE TABLE stock_ledger (
  id INTEGER PRIMARY KEY, movement_id INTEGER NOT NULL REFERENCES movements,
  line_no INTEGER NOT NULL, sku TEXT NOT NULL, warehouse TEXT NOT NULL,
  quantity NUMERIC NOT NULL, unit_cost NUMERIC NOT NULL, value NUMERIC NOT NULL,
  on_hand_after NUMERIC NOT NULL, value_after NUMERIC NOT NULL, posted_at TEXT NOT NULL,
  UNIQUE (movement_id, line_no, sku, warehouse));
CREATE INDEX ix_stock_ledger_bin ON stock_ledger (sku, warehouse, id);
CREATE INDEX ix_stock_ledger_posted_at ON stock_ledger (posted_at);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, topic TEXT NOT NULL,
  subject TEXT NOT NULL, sequence INTEGER NOT NULL, payload TEXT NOT NULL,
  created_at TEXT NOT NULL, published_at TEXT);
CREATE INDEX ix_outbox_unpublished ON outbox (published_at, id);
INSERT INTO bins VALUES {bins};
"""
_SQLITE_BINS = ", ".join(f"('B-{i}', 'MAIN', 1000000000, 2500000000, '')" for i in range(ITEMS))


def sqlite_movements(path: Path, *, kind: str, seconds: float) -> Tps:
    """The movement transaction of one line, straight through sqlite3 in one thread (SQLite
    takes one writer at a time), in a file of its own, new for each run."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    conn = _sqlite(path)
    conn.executescript(SQLITE_DDL.replace("{bins}", _SQLITE_BINS))
    sign, cost = (-1, 1.0) if kind == "issue" else (1, 2.5)
    payload = "x" * (_EVENT_BYTES + _LINE_BYTES)
    done, n = 0, 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        n += 1
        key = sku(n * 7 % ITEMS)
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        on_hand, value = conn.execute(
            "SELECT on_hand, value FROM bins WHERE sku = ? AND warehouse = 'MAIN'", (key,)
        ).fetchone()
        movement = conn.execute(
            "INSERT INTO movements (type, warehouse, posted_at, posted_by) "
            "VALUES (?, 'MAIN', ?, 'bench') RETURNING id",
            (kind, now),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO stock_ledger (movement_id, line_no, sku, warehouse, quantity, unit_cost,"
            " value, on_hand_after, value_after, posted_at) VALUES (?, 0, ?, 'MAIN', ?, ?, ?, ?,"
            " ?, ?)",
            (movement, key, sign, cost, sign * cost, on_hand + sign, value + sign * cost, now),
        )
        conn.execute(
            "UPDATE bins SET on_hand = ?, value = ?, updated_at = ? "
            "WHERE sku = ? AND warehouse = 'MAIN'",
            (on_hand + sign, value + sign * cost, now, key),
        )
        conn.execute(
            "INSERT INTO outbox (event_id, topic, subject, sequence, payload, created_at) "
            "VALUES (?, 'inventory.stock-moved', 'warehouse/MAIN', 1, ?, ?)",
            (f"e{n}-{now}", payload, now),
        )
        conn.execute("COMMIT")
        done += 1
    took = time.perf_counter() - started
    conn.close()
    return Tps(done, took)


def sqlite_item_reads(path: Path, *, seconds: float) -> Tps:
    """SELECT one item by SKU, straight through sqlite3."""
    conn = _sqlite(path)
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        conn.execute("BEGIN")
        conn.execute("SELECT * FROM items WHERE sku = ?", (sku(done % ITEMS),)).fetchall()
        conn.execute("COMMIT")
        done += 1
    took = time.perf_counter() - started
    conn.close()
    return Tps(done, took)
