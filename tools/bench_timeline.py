"""Benchmark of the customer timeline (make bench-timeline).

Gives one demo customer (Wang Ming) ``--count`` extra events in SQL
(contacts, charter ledger lines, messages on the customer), then times one
page of the timeline as a CMR Manager (with the access check) and as the
customer (portal), the first page, a page deep in the history, and a walk
through all of it; and counts the queries of one page at a tenth and at
the full count. Nothing is committed.
"""

import time

from bench_common import QueryCounter, bench_env, bench_parser

SQL_CONTACTS = """
INSERT INTO cmr_contact (partner_id, company_id, channel_id, subject, state, date,
                         create_date, write_date, create_uid, write_uid)
SELECT %(partner)s, %(company)s, %(channel)s, 'Bench contact ' || g,
       CASE WHEN g %% 10 = 0 THEN 'refused' ELSE 'sent' END,
       now() AT TIME ZONE 'UTC' - g * interval '7 minutes', now(), now(), 1, 1
  FROM generate_series(1, %(count)s) g
"""
SQL_LEDGER = """
INSERT INTO cmr_charter_log (partner_id, company_id, date, source, item,
                             old_value, new_value, create_date, write_date,
                             create_uid, write_uid)
SELECT %(partner)s, %(company)s,
       now() AT TIME ZONE 'UTC' - g * interval '11 minutes', 'portal',
       'Gift Preferences', 'before ' || g, 'after ' || g, now(), now(), 1, 1
  FROM generate_series(1, %(count)s) g
"""
SQL_MESSAGES = """
INSERT INTO mail_message (model, res_id, message_type, subtype_id, body, date,
                          author_id, create_date, write_date, create_uid,
                          write_uid)
SELECT 'res.partner', %(partner)s, 'comment', %(subtype)s,
       '<p>Bench message ' || g || '</p>',
       now() AT TIME ZONE 'UTC' - g * interval '13 minutes', %(partner)s,
       now(), now(), 1, 1
  FROM generate_series(1, %(count)s) g
"""


def add_events(env, partner, count):
    params = {
        "partner": partner.id,
        "company": env.company.id,
        "channel": env.ref("cmr_module.cmr_channel_wechat").id,
        "subtype": env.ref("mail.mt_comment").id,
    }
    cr = env.cr
    cr.execute(SQL_CONTACTS, dict(params, count=count // 2))
    cr.execute(SQL_LEDGER, dict(params, count=count // 5))
    cr.execute(SQL_MESSAGES, dict(params, count=count - count // 2 - count // 5))
    for table in ("cmr_contact", "cmr_charter_log", "mail_message"):
        cr.execute(f"ANALYZE {table}")  # noqa: S608 - fixed table names


def one_page(timeline, partner, cursor=None, portal=False):
    timeline.env.invalidate_all()
    with QueryCounter(timeline.env.cr) as counter:
        start = time.perf_counter()
        page = timeline._page(partner, limit=50, cursor=cursor, portal=portal)
        elapsed = time.perf_counter() - start
    return page, elapsed, counter.count


def main():
    parser = bench_parser(__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    with bench_env(args) as env:
        partner = env.ref("cmr_module.cmr_partner_wang_ming")
        manager = env["res.users"].create(
            {
                "name": "Bench Manager",
                "login": "bench.timeline.manager",
                "groups_id": [
                    (4, env.ref("cmr_module.group_cmr_manager").id),
                    (4, env.ref("sales_team.group_sale_salesman_all_leads").id),
                    (4, env.ref("account.group_account_invoice").id),
                ],
            }
        )
        portal_user = env.ref("cmr_module.cmr_user_portal_wang_ming")
        staff = env["cmr.timeline"].with_user(manager)
        customer = env["cmr.timeline"].with_user(portal_user)
        one_page(staff, partner)  # caches
        counts = {}
        for size in (args.count // 10, args.count - args.count // 10):
            add_events(env, partner, size)
            total = sum(counts) + size
            counts[total] = one_page(staff, partner)[2]
        total = max(counts)
        print(f"{total:,} extra events on one customer")
        for label, timeline, portal in (
            ("staff", staff, False),
            ("portal", customer, True),
        ):
            page, first, queries = one_page(timeline, partner, portal=portal)
            cursor, walked, pages = None, 0.0, 0
            deep = None
            while True:
                page, elapsed, _queries = one_page(timeline, partner, cursor, portal)
                walked += elapsed
                pages += 1
                if pages == 100:
                    deep = elapsed
                cursor = page["next"]
                if not cursor:
                    break
            print(
                f"{label:>6}: first page {first * 1000:.0f} ms ({queries} queries), "
                f"page 100 {(deep or 0) * 1000:.0f} ms, "
                f"all {pages} pages of 50 in {walked:.1f} s"
            )
        print(
            "queries for one page: "
            + ", ".join(f"{n:,} events: {q}" for n, q in sorted(counts.items()))
        )
        env.cr.rollback()


if __name__ == "__main__":
    main()
