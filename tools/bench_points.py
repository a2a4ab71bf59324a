"""Benchmark of the alliance points ledger (make bench-points).

Builds, directly in SQL in a throwaway database, 100k alliance cards and 1M
ledger lines (per card: eight earnings over the last 500 days at two
merchants, two redemptions of the oldest one with their allocations), then
times a balance lookup of one card, the balances of all cards in one read,
the expiry run (points older than 365 days, first in first out) and one
merchant's monthly settlement. Nothing is committed.
"""

import random
import statistics
import time
from datetime import date, datetime, timedelta

from bench_common import QueryCounter, bench_env, bench_parser

EARNINGS_PER_CARD = 8
REDEMPTIONS_PER_CARD = 2


def build(env, count):
    cr = env.cr
    # The ledger's own cost: redemptions without the holder's code or PIN.
    alliance = env["cmr.alliance"].create(
        {"name": "Bench alliance", "points_validity_days": 365, "redeem_check": "none"}
    )
    merchants = env["res.partner"].create(
        [{"name": "Bench car wash", "is_company": True}, {"name": "Bench store"}]
    )
    agreements = env["cmr.alliance.merchant"].create(
        [
            {
                "alliance_id": alliance.id,
                "partner_id": merchant.id,
                "date_start": date(2020, 1, 1),
                "settlement_rate": 0.01,
            }
            for merchant in merchants
        ]
    )
    env.flush_all()
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, active, type, is_company,
                                 autopost_bills, create_date, write_date)
        SELECT 'Member ' || i, 'Member ' || i, TRUE, 'contact', FALSE, 'ask',
               now(), now()
          FROM generate_series(1, %s) AS i
        RETURNING id
        """,
        [count],
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
        [partner_ids],
    )
    card_number = env["cmr.membership"]._card_number
    numbers = [card_number(f"886010{i:09d}") for i in range(count)]
    cr.execute(
        """
        INSERT INTO cmr_membership (card_number, partner_id, alliance_id,
                                    company_id, state, date_start, date_end,
                                    create_uid, create_date, write_uid, write_date)
        SELECT n, p, %(alliance)s, %(company)s, 'active', '2024-01-01',
               '2030-12-31', 1, now(), 1, now()
          FROM unnest(%(numbers)s::varchar[], %(partners)s::int[]) AS t(n, p)
        RETURNING id
        """,
        {
            "alliance": alliance.id,
            "company": alliance.company_id.id,
            "numbers": numbers,
            "partners": partner_ids,
        },
    )
    membership_ids = [row[0] for row in cr.fetchall()]
    # Earnings k = 1..8, (k - 1) * 70 + 1 (+ up to 59) days ago: k = 1 covers
    # last month, k >= 6 are (partly) older than a year. Odd k at the car wash,
    # even k at the store.
    cr.execute(
        """
        INSERT INTO cmr_points_line (membership_id, partner_id, alliance_id,
               company_id, agreement_id, merchant_id, kind, points, date,
               expires_on, amount, reference, user_id, create_uid, create_date,
               write_uid, write_date)
        SELECT m.id, m.partner_id, m.alliance_id, m.company_id, a.id, a.partner_id,
               'earn', 50 + (m.id * k) %% 100, d, (d + interval '365 days')::date,
               50 + (m.id * k) %% 100, 'E' || k, 1, 1, now(), 1, now()
          FROM cmr_membership m
          CROSS JOIN generate_series(1, %(earnings)s) AS k
          CROSS JOIN LATERAL (SELECT now() at time zone 'utc'
                              - (((k - 1) * 70 + m.id %% 60 + 1) || ' days')::interval
                                AS d) dd
          JOIN cmr_alliance_merchant a
            ON a.id = (%(agreements)s::int[])[1 + (k + 1) %% 2]
         WHERE m.alliance_id = %(alliance)s
        """,
        {
            "earnings": EARNINGS_PER_CARD,
            "agreements": agreements.ids,
            "alliance": alliance.id,
        },
    )
    # Two redemptions of 20 points of the oldest earning, at the car wash, in
    # the last two months.
    cr.execute(
        """
        INSERT INTO cmr_points_line (membership_id, partner_id, alliance_id,
               company_id, agreement_id, merchant_id, kind, points, date,
               amount, reference, user_id, create_uid, create_date, write_uid,
               write_date)
        SELECT e.membership_id, e.partner_id, e.alliance_id, e.company_id,
               %(agreement)s, %(merchant)s, 'redeem', -20,
               now() at time zone 'utc'
                   - ((r * 7 + e.membership_id %% 50) || ' days')::interval,
               0, 'R' || r, 1, 1, now(), 1, now()
          FROM cmr_points_line e
          CROSS JOIN generate_series(1, %(redemptions)s) AS r
         WHERE e.reference = 'E' || %(earnings)s AND e.alliance_id = %(alliance)s
        """,
        {
            "agreement": agreements[0].id,
            "merchant": agreements[0].partner_id.id,
            "redemptions": REDEMPTIONS_PER_CARD,
            "earnings": EARNINGS_PER_CARD,
            "alliance": alliance.id,
        },
    )
    cr.execute(
        """
        INSERT INTO cmr_points_allocation (consumer_line_id, earn_line_id, points)
        SELECT r.id, e.id, 20
          FROM cmr_points_line r
          JOIN cmr_points_line e ON e.membership_id = r.membership_id
                                AND e.reference = 'E' || %(earnings)s
         WHERE r.kind = 'redeem' AND r.alliance_id = %(alliance)s
        """,
        {"earnings": EARNINGS_PER_CARD, "alliance": alliance.id},
    )
    cr.execute(
        "ANALYZE res_partner; ANALYZE cmr_membership; ANALYZE cmr_points_line; "
        "ANALYZE cmr_points_allocation"
    )
    return env["cmr.membership"].browse(membership_ids), agreements


def timed(func, repeat=1):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return times, result


def main():
    parser = bench_parser(__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with bench_env(args) as env:
        cr = env.cr
        start = time.perf_counter()
        cards, agreements = build(env, args.count)
        cr.execute("SELECT COUNT(*) FROM cmr_points_line")
        lines = cr.fetchone()[0]
        print(
            f"built {len(cards):,} cards and {lines:,} ledger lines "
            f"in {time.perf_counter() - start:.1f} s"
        )
        rng = random.Random(5)
        sample = [cards[rng.randrange(len(cards))] for _ in range(args.repeat)]
        iterator = iter(sample)

        def one_balance():
            card = next(iterator)
            card.invalidate_recordset(["balance"])
            return card.balance

        times, _ = timed(one_balance, args.repeat)
        with QueryCounter(cr) as counter:
            one_balance_card = sample[0]
            one_balance_card.invalidate_recordset(["balance"])
            one_balance_card.balance  # noqa: B018
        print(
            f"balance of one card: median {statistics.median(times) * 1000:.2f} ms, "
            f"max {max(times) * 1000:.2f} ms over {args.repeat} random cards, "
            f"{counter.count} query (target: under 5 ms)"
        )

        def all_balances():
            return cards._balances()

        with QueryCounter(cr) as counter:
            times, balances = timed(all_balances, 3)
        print(
            f"balances of all {len(balances):,} cards in one read: "
            f"best {min(times):.3f} s, {counter.count // 3} query, "
            f"total {sum(balances.values()):,} points"
        )

        today = date.today()
        with QueryCounter(cr) as counter:
            times, expired = timed(lambda: env["cmr.points.line"]._expire_points(today))
        cr.execute("SELECT COUNT(*) FROM cmr_points_line WHERE kind = 'expire'")
        expiry_lines = cr.fetchone()[0]
        print(
            f"expiry run: {times[0]:.2f} s, {expired:,} points expired on "
            f"{expiry_lines:,} cards, {counter.count} queries (target: under 20 s)"
        )
        with QueryCounter(cr) as counter:
            times_again, expired_again = timed(
                lambda: env["cmr.points.line"]._expire_points(today)
            )
        print(
            f"expiry run again (nothing left to expire): {times_again[0]:.2f} s, "
            f"{expired_again} points"
        )

        first = today.replace(day=1)
        month_end = first - timedelta(days=1)
        month_start = month_end.replace(day=1)
        with QueryCounter(cr) as counter:
            times, settlement = timed(
                lambda: env["cmr.settlement"]._settle(
                    agreements[:1], month_start, month_end
                )
            )
        print(
            f"monthly settlement of {agreements[0].partner_id.name} "
            f"({month_start} to {month_end}): {times[0]:.3f} s, "
            f"{counter.count} queries, {settlement.points_earned:,} points earned, "
            f"{settlement.points_redeemed:,} redeemed, invoice "
            f"{settlement.amount_due_by_merchant:,.2f}, bill "
            f"{settlement.amount_due_to_merchant:,.2f}"
        )

        card = sample[1]

        def redeem():
            return agreements[0]._record_redemption(card.card_number, 5)

        times, _ = timed(redeem, 20)
        print(
            f"redemption on one card (lock, expiry check, FIFO allocation): "
            f"median {statistics.median(times) * 1000:.2f} ms"
        )
        print(f"(at {datetime.now():%Y-%m-%d %H:%M})")
        cr.rollback()


if __name__ == "__main__":
    main()
