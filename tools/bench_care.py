"""Benchmark of the care programme (make bench-care).

Builds, directly in SQL in a throwaway database, N customers (100k by
default) with charters (time zones, windows, WeChat first), tiers,
birthdays spread over the year and some important dates, 20 services with
entitlements, 3 past visits per customer (300k), 10k recurring plans and a
gift catalogue; then times:

* the day's greetings run (find in one query, then ask the gate and queue
  or send), at an hour when it is evening in Asia;
* what is left of their entitlements for 1,000 customers, in one call;
* the generation of the visits due for 10k plans;
* a gift suggestion for one customer.

Nothing is committed.
"""

import time
from datetime import datetime

from bench_common import QueryCounter, bench_env, bench_parser

from odoo import Command, fields

NOW = fields.Datetime.now

# The past visits are spread over the year before this moment; greetings
# are run at the real time (birthdays fall on every day of the year).
MOMENT = datetime(2026, 11, 26, 11, 30)

PARTNERS_SQL = """
INSERT INTO res_partner (name, complete_name, tz, active, type, is_company,
                         lang, cmr_birthday, cmr_do_not_contact, autopost_bills,
                         create_date, write_date)
SELECT 'Care ' || i, 'Care ' || i,
       (ARRAY['Asia/Shanghai', 'Asia/Taipei', 'Europe/Paris',
              'America/New_York', NULL])[1 + i %% 5],
       TRUE, 'contact', FALSE, 'en_US',
       DATE '1970-01-01' + (i %% 365), i %% 50 = 0, 'ask', now(), now()
  FROM generate_series(1, %(count)s) AS i
RETURNING id
"""


def build(env, count, plans):
    cr = env.cr
    cr.execute(PARTNERS_SQL, {"count": count})
    ids = [row[0] for row in cr.fetchall()]
    wechat = env.ref("cmr_module.cmr_channel_wechat").id
    email = env.ref("cmr_module.cmr_channel_email").id
    cr.execute(
        """
        INSERT INTO cmr_channel_preference (partner_id, channel_id, sequence,
                                            cap_week, cap_month)
        SELECT p, ch.id, ch.seq, 2, 6
          FROM unnest(%(ids)s::int[]) AS p,
               (VALUES (%(wechat)s, 1), (%(email)s, 2)) AS ch(id, seq)
         WHERE p %% 5 <> 0
        """,
        {"ids": ids, "wechat": wechat, "email": email},
    )
    cr.execute(
        """
        INSERT INTO cmr_contact_window (partner_id, weekday, hour_from, hour_to)
        SELECT p, d::varchar, 18.0 + (p %% 4) * 0.5, 21.5
          FROM unnest(%(ids)s::int[]) AS p, generate_series(0, 6) AS d
         WHERE p %% 2 = 0
        """,
        {"ids": ids},
    )
    # A tenth have an important date, spread over the year.
    cr.execute(
        """
        INSERT INTO cmr_important_date (partner_id, name, date, yearly)
        SELECT p, 'Anniversary', DATE '2001-01-01' + (p %% 365), TRUE
          FROM unnest(%(ids)s::int[]) AS p WHERE p %% 10 = 0
        """,
        {"ids": ids},
    )
    ladder = env["cmr.tier.ladder"].create(
        {
            "name": "Bench care ladder",
            "active": False,
            "method": "threshold",
            "tier_ids": [
                Command.create({"name": "Gold", "sequence": 1, "bound": 50}),
                Command.create({"name": "Plain", "sequence": 2, "bound": 0}),
            ],
            "criterion_ids": [
                Command.create({"kind": "revenue", "weight": 100, "target": 1})
            ],
        }
    )
    gold, plain = ladder.tier_ids.sorted("sequence")
    cr.execute(
        """
        INSERT INTO cmr_partner_tier (partner_id, ladder_id, company_id, tier_id,
                                      score)
        SELECT p, %(ladder)s, %(company)s,
               CASE WHEN p %% 3 = 0 THEN %(gold)s ELSE %(plain)s END, 50
          FROM unnest(%(ids)s::int[]) AS p
        """,
        {
            "ids": ids,
            "ladder": ladder.id,
            "company": env.company.id,
            "gold": gold.id,
            "plain": plain.id,
        },
    )
    services = env["cmr.care.service"].create(
        [{"name": f"Bench service {k}", "duration": 1.0} for k in range(20)]
    )
    env["cmr.care.entitlement"].create(
        [
            {
                "service_id": service.id,
                "source": "tier",
                "tier_id": tier.id,
                "quota": quota,
                "period": period,
                "carry_over": carry,
            }
            for service in services
            for tier, quota, period, carry in (
                (gold, 4, "quarter", True),
                (plain, 1, "year", False),
            )
        ]
    )
    env.flush_all()
    # 300k past visits: 3 per customer over the last year, done.
    cr.execute(
        """
        INSERT INTO cmr_care_visit (name, partner_id, company_id, service_id,
                                    entitlement_id, state, origin, date_start,
                                    date_end, period_date, cost, on_time,
                                    create_date, write_date)
        SELECT 'BENCH/' || p || '/' || k, p, %(company)s, e.service_id, e.id,
               'done', 'staff', d, d + interval '1 hour', d::date, 10, TRUE,
               now(), now()
          FROM unnest(%(ids)s::int[]) AS p
          JOIN cmr_partner_tier pt ON pt.partner_id = p
          CROSS JOIN generate_series(1, 3) AS k
          CROSS JOIN LATERAL (
              SELECT %(moment)s::timestamp
                     - ((p * 7 + k * 97) %% 360 || ' days')::interval AS d
          ) AS day
          JOIN LATERAL (
              SELECT id, service_id FROM cmr_care_entitlement
               WHERE tier_id = pt.tier_id
               ORDER BY id OFFSET ((p + k) %% 20) LIMIT 1
          ) AS e ON TRUE
        """,
        {"ids": ids, "company": env.company.id, "moment": MOMENT},
    )
    # Plans due within the generation horizon, for Gold customers.
    gold_ids = [pid for pid in ids if pid % 3 == 0][:plans]
    cr.execute(
        """
        INSERT INTO cmr_care_plan (partner_id, company_id, service_id, active,
                                   interval, next_date, create_date, write_date)
        SELECT p, %(company)s, (%(services)s::int[])[1 + p %% 20], TRUE, 3,
               %(day)s::date + (p %% 20), now(), now()
          FROM unnest(%(ids)s::int[]) AS p
        """,
        {
            "ids": gold_ids,
            "company": env.company.id,
            "services": services.ids,
            "day": MOMENT.date(),
        },
    )
    interests = env["cmr.interest"].search([])
    cr.execute(
        """
        INSERT INTO cmr_interest_res_partner_rel (partner_id, interest_id)
        SELECT p, (%(interests)s::int[])[1 + p %% %(n)s]
          FROM unnest(%(ids)s::int[]) AS p
        """,
        {"ids": ids, "interests": interests.ids, "n": len(interests)},
    )
    env["product.product"].create(
        [
            {
                "name": f"Bench gift {k}",
                "type": "consu",
                "cmr_is_gift": True,
                "cmr_gift_value": 10 + k,
                "cmr_gift_qty": 100,
                "cmr_gift_interest_ids": [
                    Command.set(interests[k % len(interests)].ids)
                ],
            }
            for k in range(200)
        ]
    )
    env.invalidate_all()
    cr.execute(
        "ANALYZE res_partner; ANALYZE cmr_channel_preference; "
        "ANALYZE cmr_contact_window; ANALYZE cmr_important_date; "
        "ANALYZE cmr_partner_tier; ANALYZE cmr_care_visit; ANALYZE cmr_care_plan; "
        "ANALYZE cmr_interest_res_partner_rel; ANALYZE cmr_care_entitlement"
    )
    return ids


def timed(env, label, target, function):
    env.invalidate_all()
    with QueryCounter(env.cr) as counter:
        start = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - start
    print(f"{label}: {elapsed:.3f} s, {counter.count} queries (target < {target} s)")
    return result


def explain(env, partner_ids):
    from odoo.tools import SQL

    from odoo.addons.cmr_module.models.cmr_care_entitlement import (
        HOLDING_STATES,
        LEFT_QUERY,
    )

    rows = env.execute_query(
        SQL(
            "EXPLAIN (ANALYZE, BUFFERS) " + LEFT_QUERY,
            partner_ids=partner_ids,
            day=fields.Date.today(),
            service_ids=None,
            states=HOLDING_STATES,
        )
    )
    print("\n".join(row[0] for row in rows))


def main():
    parser = bench_parser(__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument(
        "--explain", action="store_true", help="print the entitlement query's plan"
    )
    args = parser.parse_args()
    with bench_env(args) as env:
        cr = env.cr
        start = time.perf_counter()
        ids = build(env, args.count, args.plans)
        cr.execute("SELECT count(*) FROM cmr_care_visit")
        visits = cr.fetchone()[0]
        print(
            f"built {len(ids):,} customers, {visits:,} visits, "
            f"{args.plans:,} plans in {time.perf_counter() - start:.1f} s"
        )
        Greeting = env["cmr.care.greeting"]
        now = NOW()
        due = timed(env, "greetings: find due", 10, lambda: Greeting._due(now))
        print(f"    {len(due):,} greetings due at {now} UTC")
        greetings = timed(
            env,
            "greetings run (find + gate + send/queue)",
            10,
            Greeting._cron_send_greetings,
        )
        sent = len(greetings.filtered(lambda g: g.state == "sent"))
        print(
            f"    {sent:,} queued through the gate, {len(greetings) - sent:,} dropped, "
            f"{len(due) - len(greetings):,} wait for a later hour today"
        )
        left = timed(
            env,
            "entitlement left for 1,000 customers",
            0.5,
            lambda: env["cmr.care.entitlement"]._left(ids[:1000]),
        )
        print(f"    {sum(len(lines) for lines in left.values()):,} lines")
        if args.explain:
            explain(env, ids[:1000])
        created = timed(
            env,
            f"visit generation for {args.plans:,} plans",
            60,
            lambda: env["cmr.care.plan"]._cron_generate_visits(batch_size=args.plans),
        )
        print(f"    {created:,} visits generated")
        partner = env["res.partner"].browse(ids[2])
        Gift = env["cmr.care.gift"]
        Gift._suggest(partner)
        suggestion = timed(
            env,
            "gift suggestion for one customer",
            0.05,
            lambda: Gift._suggest(partner),
        )
        print(f"    {len(suggestion)} gifts suggested")
        cr.rollback()


if __name__ == "__main__":
    main()
