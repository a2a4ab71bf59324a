"""Benchmark of the contact gate (make bench-gate).

Builds customers with varied charters directly in SQL in a throwaway
database, then times ``res.partner.cmr_check_contact`` on 10k and 100k of
them in one call each. Nothing is committed.
"""

import statistics
import time
from datetime import datetime

from bench_common import bench_env, bench_parser

SETUP_SQL = """
INSERT INTO res_partner (name, complete_name, tz, active, type, is_company,
                         cmr_do_not_contact, autopost_bills, create_date,
                         write_date)
SELECT 'Bench ' || i, 'Bench ' || i,
       (ARRAY['Asia/Shanghai', 'Asia/Taipei', 'Europe/Paris',
              'America/New_York', NULL])[1 + i %% 5],
       TRUE, 'contact', FALSE, i %% 50 = 0, 'ask', now(), now()
  FROM generate_series(1, %(count)s) AS i
RETURNING id
"""


def build(env, count):
    cr = env.cr
    cr.execute(SETUP_SQL, {"count": count})
    ids = [row[0] for row in cr.fetchall()]
    channels = {c.code: c.id for c in env["cmr.channel"].search([])}
    topics = {t.code: t.id for t in env["cmr.topic"].search([])}
    # 80 % accept WeChat (rank 1, caps) and e-mail (rank 2).
    cr.execute(
        """
        INSERT INTO cmr_channel_preference (partner_id, channel_id, sequence,
                                            cap_week, cap_month)
        SELECT p, ch.id, ch.seq, ch.cap_week, ch.cap_month
          FROM unnest(%(ids)s::int[]) AS p,
               (VALUES (%(wechat)s, 1, 2, 6), (%(email)s, 2, 0, 4))
                   AS ch(id, seq, cap_week, cap_month)
         WHERE p %% 5 <> 0
        """,
        {"ids": ids, "wechat": channels["wechat"], "email": channels["email"]},
    )
    # Half have evening windows on weekdays (8 variants) and one across
    # midnight on Friday (6 variants); a seventh have quiet days (30 variants).
    cr.execute(
        """
        INSERT INTO cmr_contact_window (partner_id, weekday, hour_from, hour_to)
        SELECT p, d::varchar, 17.0 + (p %% 8) * 0.5, 19.5 + (p %% 8) * 0.5
          FROM unnest(%(ids)s::int[]) AS p, generate_series(0, 3) AS d
         WHERE p %% 2 = 0
        UNION ALL
        SELECT p, '4', 21.0 + (p %% 6) * 0.5, 2.0 FROM unnest(%(ids)s::int[]) AS p
         WHERE p %% 2 = 0
        """,
        {"ids": ids},
    )
    cr.execute(
        """
        INSERT INTO cmr_topic_res_partner_rel (partner_id, topic_id)
        SELECT p, t FROM unnest(%(ids)s::int[]) AS p,
               unnest(%(topics)s::int[]) AS t
         WHERE p %% 3 <> 0
        """,
        {"ids": ids, "topics": [topics["product_news"], topics["bill"]]},
    )
    cr.execute(
        """
        INSERT INTO cmr_quiet_day (partner_id, date)
        SELECT p, %(day)s::date + (p %% 30) FROM unnest(%(ids)s::int[]) AS p
         WHERE p %% 7 = 0
        """,
        {"ids": ids, "day": MOMENT.date()},
    )
    # A month of contact history: 3 WeChat contacts per customer.
    cr.execute(
        """
        INSERT INTO cmr_contact (partner_id, company_id, channel_id, subject,
                                 state, date)
        SELECT p, 1, %(wechat)s, 'Bench', 'sent',
               %(moment)s::timestamp - (k || ' days')::interval
          FROM unnest(%(ids)s::int[]) AS p, generate_series(1, 3) AS k
        """,
        {"ids": ids, "wechat": channels["wechat"], "moment": MOMENT},
    )
    cr.execute(
        "ANALYZE res_partner; ANALYZE cmr_channel_preference; "
        "ANALYZE cmr_contact_window; ANALYZE cmr_contact; ANALYZE cmr_quiet_day; "
        "ANALYZE cmr_topic_res_partner_rel"
    )
    return ids


# Thursday 20:30 UTC: evening in Europe, morning in Asia, afternoon in New York.
MOMENT = datetime(2026, 11, 26, 12, 30)


def timed(env, ids, repeat):
    partners = env["res.partner"].browse(ids)
    times = []
    for _ in range(repeat):
        env.invalidate_all()
        start = time.perf_counter()
        answers = partners.cmr_check_contact("wechat", "product_news", MOMENT)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), answers


def main():
    parser = bench_parser(__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with bench_env(args) as env:
        cr = env.cr
        start = time.perf_counter()
        ids = build(env, args.count)
        print(f"built {len(ids):,} customers in {time.perf_counter() - start:.1f} s")
        results = {}
        for size in (args.count // 10, args.count):
            best, median, answers = timed(env, ids[:size], args.repeat)
            reasons = {}
            for answer in answers.values():
                reasons[answer["reason"] or "allowed"] = (
                    reasons.get(answer["reason"] or "allowed", 0) + 1
                )
            results[size] = best
            print(
                f"gate on {size:>7,} customers: best {best:.3f} s, "
                f"median {median:.3f} s, per 100k {best * 100_000 / size:.3f} s"
            )
            print(
                "    answers: "
                + ", ".join(f"{k} {v:,}" for k, v in sorted(reasons.items()))
            )
        small, large = args.count // 10, args.count
        print(
            f"growth: {large // small}x the customers took "
            f"{results[large] / results[small]:.1f}x the time "
            f"(target for 100k: under 2 s)"
        )
        cr.rollback()


if __name__ == "__main__":
    main()
