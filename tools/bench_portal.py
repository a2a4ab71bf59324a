"""Load benchmark of the portal and the merchant counter (make bench-portal).

Builds a customer base in a throwaway database (SQL where it must be fast):
customers with a charter, a card with points, a tier; some with a portal
login, an invoice, a confirmed order and a complaint; merchants with a
login at the counter. Then serves it with Odoo in prefork mode (workers,
one cron worker, memory and time limits below) and drives it with locust
(headless, in its own virtual environment under .cache/, pinned in
requirements-bench.txt: locust needs Werkzeug 3, Odoo 18 Werkzeug 2.2) for
a fixed time. Prints per route: requests, failures, p50/p95/p99 and each
page's p95 over /my/invoices' p95 (Odoo's own page, same run); then checks
the books: every card's balance equals earned - redeemed - expired, every
redemption is allocated exactly once, the counter's successful operations
are all in the ledger, no HTTP 500 and no serialization error reached a
user.
"""

import csv
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from bench_common import bench_env, bench_parser

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.sql_db import db_connect
from odoo.tools import config

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("CMR_CACHE", ROOT / ".cache")) / "locust-venv"
LOCUSTFILE = ROOT / "tools" / "bench_portal_locust.py"
# Prefork limits, quoted in the output: Odoo's production defaults scaled to
# the development machine.
SERVER_LIMITS = [
    "--limit-memory-soft=2147483648",
    "--limit-memory-hard=2684354560",
    "--limit-time-cpu=60",
    "--limit-time-real=120",
    "--limit-request=8192",
]
REFERENCE = "/my/invoices"
ADDON_PAGES = [
    "/my",
    "/my/preferences",
    "/my/tier",
    "/my/cards",
    "/my/cards/<id>",
    "/my/complaints",
    "/my/complaints/<id>",
    "/my/complaints/new",
    "/my/merchant",
]


def build(env, customers, logins, merchants):
    """The customer base; returns the locust settings."""
    cr = env.cr
    email = env.ref("cmr_module.cmr_channel_email")
    company = env.company
    alliance = env["cmr.alliance"].create(
        {"name": "Bench alliance", "points_validity_days": 365, "redeem_check": "none"}
    )
    merchant_partners = env["res.partner"].create(
        [{"name": f"Bench merchant {i}", "is_company": True} for i in range(merchants)]
    )
    env["cmr.alliance.merchant"].create(
        [
            {
                "alliance_id": alliance.id,
                "partner_id": partner.id,
                "date_start": date(2020, 1, 1),
                "settlement_rate": 0.01,
            }
            for partner in merchant_partners
        ]
    )
    portal = env.ref("base.group_portal")
    users = env["res.users"].with_context(no_reset_password=True)
    merchant_logins = [f"bench.merchant.{i}" for i in range(merchants)]
    users.create(
        [
            {
                "name": f"Counter {i}",
                "login": login,
                "parent_id": partner.id,
                "groups_id": [Command.set(portal.ids)],
            }
            for i, (login, partner) in enumerate(
                zip(merchant_logins, merchant_partners, strict=True)
            )
        ]
    )
    # Customers, in SQL: a charter (e-mail first), a card with points.
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, email, lang, tz, active,
                                 type, is_company, customer_rank, autopost_bills,
                                 company_id, create_date, write_date)
        SELECT 'Bench customer ' || i, 'Bench customer ' || i,
               'bench.customer.' || i || '@example.com', 'en_US', 'Asia/Shanghai',
               TRUE, 'contact', FALSE, 1, 'ask', NULL, now(), now()
          FROM generate_series(1, %s) AS i
        RETURNING id
        """,
        [customers],
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
        [partner_ids],
    )
    cr.execute(
        """
        INSERT INTO cmr_channel_preference (partner_id, channel_id, sequence,
                                            cap_week, cap_month, create_uid,
                                            create_date, write_uid, write_date)
        SELECT p, %s, 1, 0, 0, 1, now(), 1, now() FROM unnest(%s::int[]) AS p
        """,
        [email.id, partner_ids],
    )
    card_number = env["cmr.membership"]._card_number
    numbers = [card_number(f"886020{i:09d}") for i in range(customers)]
    cr.execute(
        """
        INSERT INTO cmr_membership (card_number, partner_id, alliance_id,
                                    company_id, state, date_start, date_end,
                                    create_uid, create_date, write_uid, write_date)
        SELECT n, p, %(alliance)s, %(company)s, 'active', '2024-01-01',
               '2030-12-31', 1, now(), 1, now()
          FROM unnest(%(numbers)s::varchar[], %(partners)s::int[]) AS t(n, p)
        RETURNING id, partner_id, card_number
        """,
        {
            "alliance": alliance.id,
            "company": company.id,
            "numbers": numbers,
            "partners": partner_ids,
        },
    )
    cards = cr.fetchall()
    agreement = env["cmr.alliance.merchant"].search(
        [("alliance_id", "=", alliance.id)], limit=1
    )
    cr.execute(
        """
        INSERT INTO cmr_points_line (membership_id, partner_id, alliance_id,
               company_id, agreement_id, merchant_id, kind, points, date,
               expires_on, amount, reference, user_id, create_uid, create_date,
               write_uid, write_date)
        SELECT m.id, m.partner_id, m.alliance_id, m.company_id, %(agreement)s,
               %(merchant)s, 'earn', 200, now() at time zone 'utc' - interval '30 days',
               (now() + interval '335 days')::date, 200, 'BENCH', 1, 1, now(), 1,
               now()
          FROM cmr_membership m WHERE m.alliance_id = %(alliance)s
        """,
        {
            "agreement": agreement.id,
            "merchant": agreement.partner_id.id,
            "alliance": alliance.id,
        },
    )
    cr.execute("ANALYZE res_partner; ANALYZE cmr_membership; ANALYZE cmr_points_line")
    env.invalidate_all()
    # Portal logins, with their invoice, order and complaint (ORM: Odoo's
    # own documents), one shared password hash (hashing is slow on purpose).
    with_login = env["res.partner"].browse(partner_ids[:logins])
    customer_logins = [f"bench.customer.{i}" for i in range(logins)]
    users.create(
        [
            {
                "login": login,
                "partner_id": partner.id,
                "groups_id": [Command.set(portal.ids)],
            }
            for login, partner in zip(customer_logins, with_login, strict=True)
        ]
    )
    product = env.ref("cmr_module.cmr_product_natural_gas")
    invoices = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": 100, "price_unit": 4}
                    )
                ],
            }
            for partner in with_login
        ]
    )
    invoices.action_post()
    orders = env["sale.order"].create(
        [
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 50})
                ],
            }
            for partner in with_login
        ]
    )
    orders.action_confirm()
    complaints = env["cmr.complaint"].create(
        [
            {
                "subject": "Meter reading looks wrong",
                "description": "Please check my last bill.",
                "partner_id": partner.id,
                "reply_channel_id": email.id,
            }
            for partner in with_login
        ]
    )
    # Odoo's own hash settings: a weaker hash would be rewritten at the first
    # login, and every rewrite makes all workers drop their caches.
    hashed = env["res.users"]._crypt_context().hash("bench")
    logins_all = customer_logins + merchant_logins
    cr.execute(
        "UPDATE res_users SET password = %s WHERE login = ANY(%s)", [hashed, logins_all]
    )
    ladder = env["cmr.tier.ladder"]._get_current()
    if ladder:
        ladder._evaluate(trigger="manual")
    card_by_partner = {partner: card_id for card_id, partner, _number in cards}
    cr.execute("ANALYZE")
    return {
        "customers": [
            [login, card_by_partner[partner.id], complaint.id, complaint.access_token]
            for login, partner, complaint in zip(
                customer_logins, with_login, complaints, strict=True
            )
        ],
        "merchants": merchant_logins,
        "cards": [number for _id, _partner, number in cards[:logins]],
        "password": "bench",
    }


def ensure_locust():
    locust = VENV / "bin" / "locust"
    if locust.exists():
        return locust
    print(f"==> installing locust into {VENV} (requirements-bench.txt)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [
            str(VENV / "bin" / "pip"),
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
            str(ROOT / "requirements-bench.txt"),
        ],
        check=True,
    )
    return locust


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(args, port, log):
    # A script file, not `python -c`: the prefork server starts its gevent
    # (websocket) process by running sys.argv[0] again.
    launcher = log.parent / "odoo-server.py"
    launcher.write_text("import odoo.cli\n\nodoo.cli.main()\n")
    command = [
        sys.executable,
        str(launcher),
        "-c",
        args.config,
        "-d",
        args.database,
        f"--db-filter=^{args.database}$",
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        f"--workers={args.workers}",
        "--max-cron-threads=1",
        f"--logfile={log}",
        *SERVER_LIMITS,
    ]
    server = subprocess.Popen(
        command, start_new_session=True, env=dict(os.environ, TZ="UTC")
    )
    for _attempt in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/health") as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(1)
    stop(server)
    sys.exit(f"bench-portal: the server did not start (see {log})")


def stop(server):
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def read_stats(prefix):
    rows = {}
    with open(f"{prefix}_stats.csv") as stats:
        for row in csv.DictReader(stats):
            if row["Name"] != "Aggregated":
                rows[(row["Type"], row["Name"])] = row
    return rows


def replica_transactions(database):
    """Transactions the read replica (db_replica_host) has served for the
    database so far, from its pg_stat_database; None without a replica."""
    if not config.get("db_replica_host"):
        return None
    with db_connect(database, readonly=True).cursor() as cr:
        cr.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        return cr.fetchone()[0]


def check_books(env, started, recorded):
    cr = env.cr
    problems = []
    cr.execute(
        """
        SELECT COUNT(*) FROM (
            SELECT membership_id, SUM(points) AS balance
              FROM cmr_points_line GROUP BY membership_id) b
         WHERE balance < 0
        """
    )
    if cr.fetchone()[0]:
        problems.append("cards with a negative balance")
    cr.execute(
        """
        SELECT COUNT(*) FROM cmr_points_line l
          LEFT JOIN (SELECT consumer_line_id, SUM(points) AS allocated
                       FROM cmr_points_allocation GROUP BY consumer_line_id) a
                 ON a.consumer_line_id = l.id
         WHERE l.kind IN ('redeem', 'expire')
           AND COALESCE(a.allocated, 0) <> -l.points
        """
    )
    if cr.fetchone()[0]:
        problems.append("redemptions not allocated exactly once")
    cr.execute(
        """
        SELECT COUNT(*) FROM cmr_points_line e
          JOIN (SELECT earn_line_id, SUM(points) AS used
                  FROM cmr_points_allocation GROUP BY earn_line_id) a
            ON a.earn_line_id = e.id
         WHERE a.used > e.points
        """
    )
    if cr.fetchone()[0]:
        problems.append("earnings spent more than once")
    cr.execute(
        """
        SELECT kind, COUNT(*) FROM cmr_points_line
         WHERE create_date >= %s AND kind IN ('earn', 'redeem') AND reference IS
               DISTINCT FROM 'BENCH' GROUP BY kind
        """,
        [started],
    )
    lines = dict(cr.fetchall())
    for kind, line_kind in (("purchase", "earn"), ("redeem", "redeem")):
        if lines.get(line_kind, 0) != recorded.get(kind, 0):
            problems.append(
                f"{kind}: {recorded.get(kind, 0)} recorded at the counter, "
                f"{lines.get(line_kind, 0)} in the ledger"
            )
    return problems, lines


def main():
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--logins", type=int, default=1000)
    parser.add_argument("--merchants", type=int, default=20)
    parser.add_argument("--users", type=int, default=50, help="concurrent users")
    parser.add_argument("--duration", default="120s")
    parser.add_argument(
        "--spawn-rate",
        default="2",
        help="users started per second (each logs in: a password hash costs "
        "a worker about half a second of CPU)",
    )
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    locust = ensure_locust()
    start = time.perf_counter()
    with bench_env(args, {"tracking_disable": True, "mail_create_nolog": True}) as env:
        settings = build(env, args.customers, args.logins, args.merchants)
        env.cr.commit()
    print(
        f"built {args.customers} customers, {args.logins} portal logins, "
        f"{args.merchants} merchants in {time.perf_counter() - start:.0f}s",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="cmr-bench-portal-"))
    port = free_port()
    log = work / "odoo.log"
    server = serve(args, port, log)
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    load = os.getloadavg()
    replica_before = replica_transactions(args.database)
    try:
        subprocess.run(
            [
                str(locust),
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "--users",
                str(args.users),
                "--spawn-rate",
                args.spawn_rate,
                "--run-time",
                args.duration,
                "--csv",
                str(work / "locust"),
                "--only-summary",
                # Requests in flight at the end finish and are counted.
                "--stop-timeout",
                "30",
            ],
            env=dict(
                os.environ,
                BENCH_PORTAL_SETTINGS=json.dumps(settings),
                BENCH_PORTAL_RECORDED=str(work / "recorded.json"),
            ),
            check=False,
            stdout=subprocess.DEVNULL,
        )
    finally:
        stop(server)
    stats = read_stats(work / "locust")
    recorded = json.loads((work / "recorded.json").read_text())
    reference = next(
        (float(r["95%"]) for (t, n), r in stats.items() if n == REFERENCE), None
    )
    print(
        f"\n{args.workers} workers, 1 cron worker, {args.users} users, "
        f"{args.duration}, {args.spawn_rate} users started per second; load "
        f"average before the run {load[0]:.2f}; "
        f"limits: {' '.join(SERVER_LIMITS)}\n"
    )
    print(f"{'route':<40}{'reqs':>7}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}  p95/ref")
    targets_met = True
    for (kind, name), row in sorted(stats.items(), key=lambda i: i[0][1]):
        p95 = float(row["95%"])
        ratio = p95 / reference if reference else 0
        page = kind == "GET" and name in ADDON_PAGES
        mark = ""
        if page and ratio > 1.5:
            mark, targets_met = "  > 1.5", False
        print(
            f"{kind + ' ' + name:<40}{row['Request Count']:>7}{row['Failure Count']:>6}"
            f"{float(row['50%']):>7.0f}{p95:>7.0f}{float(row['99%']):>7.0f}"
            f"  {ratio:5.2f}{mark}"
        )
    failures = sum(int(r["Failure Count"]) for r in stats.values())
    text = log.read_text(errors="replace")
    errors_500 = len(re.findall(r'" 500 ', text))
    serialization = len(
        re.findall(r"ERROR .*(could not serialize|SerializationFailure)", text)
    )
    retried = len(re.findall(r"could not serialize access|concurrent update", text))
    with Registry(args.database).cursor() as cr:
        problems, lines = check_books(
            api.Environment(cr, SUPERUSER_ID, {}), started, recorded
        )
    print(
        f"\nfailures {failures}, HTTP 500 {errors_500}, serialization errors shown "
        f"{serialization} (retried by Odoo: {retried}); counter: "
        f"{recorded.get('purchase', 0)} purchases, {recorded.get('redeem', 0)} "
        f"redemptions recorded; ledger: {lines}"
    )
    print("books: " + ("; ".join(problems) if problems else "consistent"))
    if replica_before is not None:
        served = replica_transactions(args.database) - replica_before
        print(f"read replica: {served} transactions served by the hot standby")
    ok = not problems and not failures and not errors_500 and not serialization
    print(
        "targets: "
        + ("met" if ok and targets_met else "NOT met")
        + f" (logs and CSV in {work})"
    )


if __name__ == "__main__":
    main()
