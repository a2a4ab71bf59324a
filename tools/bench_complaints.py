"""Benchmark of the complaint escalation run and KPI read (make bench-complaints).

In a throwaway database, builds N customers and M open complaints directly
in SQL (10k / 100k by default): a tenth already past their deadline, a
tenth inside their reminder window, the rest later. Then times:

* the escalation run (``cmr.complaint._cron_escalate``): reminders to the
  owners and breaches flagged and escalated, with its query count, and the
  same run again (nothing left to do);
* the KPI read: timeliness, satisfaction and reopen rate by team, owner,
  category and factor type in one ``_read_group`` of the KPI report, and
  the team dashboard's cards.

Nothing is committed.
"""

import time
from datetime import datetime

from bench_common import QueryCounter, bench_env, bench_parser


def build(env, customers, complaints):
    cr = env.cr
    company = env.ref("base.main_company")
    users = env["res.users"].create(
        [
            {
                "name": f"Bench agent {index}",
                "login": f"bench.agent.{index}",
                "groups_id": [(6, 0, [env.ref("cmr_module.group_cmr_user").id])],
            }
            for index in range(20)
        ]
    )
    teams = env["crm.team"].create(
        [
            {"name": f"Bench team {index}", "user_id": users[index].id}
            for index in range(4)
        ]
    )
    categories = env["cmr.complaint.category"].search([])
    sla = env.ref("cmr_module.cmr_complaint_sla_default")
    channel = env.ref("cmr_module.cmr_channel_wechat")
    partner_ids = (
        env["res.partner"]
        .with_context(tracking_disable=True)
        .create(
            [
                {"name": f"Bench customer {index}", "customer_rank": 1}
                for index in range(customers)
            ]
        )
        .ids
    )
    now = datetime.utcnow()
    cr.execute(
        """
        INSERT INTO cmr_complaint (
            name, subject, company_id, partner_id, commercial_partner_id,
            channel_received, category_id, factor_type, priority, state,
            date_received, reply_channel_id, sla_id, user_id, team_id,
            ack_deadline, reply_deadline, deadline, reminder_date,
            breached, breach_count, reopen_count, timeliness,
            create_date, write_date, create_uid, write_uid)
        SELECT 'BENCH/' || n, 'Bench complaint ' || n, %(company)s,
               p.id, p.id, 'phone',
               (%(categories)s)[1 + n %% array_length(%(categories)s, 1)],
               (ARRAY['basic', 'value', 'dissatisfaction', 'secondary'])[1 + n %% 4],
               '0', 'in_progress', %(now)s - interval '1 day', %(channel)s, %(sla)s,
               (%(users)s)[1 + n %% array_length(%(users)s, 1)],
               (%(teams)s)[1 + n %% array_length(%(teams)s, 1)],
               d.deadline - interval '12 hours', d.deadline, d.deadline,
               d.deadline - interval '2 hours', false, 0,
               CASE WHEN n %% 7 = 0 THEN 1 ELSE 0 END,
               CASE WHEN n %% 3 = 0 THEN 0 ELSE 100 END,
               now(), now(), 1, 1
          FROM generate_series(1, %(count)s) n
          JOIN LATERAL (
              SELECT (%(partners)s)[1 + n %% array_length(%(partners)s, 1)] AS id
          ) p ON true
          JOIN LATERAL (
              SELECT CASE
                  WHEN n %% 10 = 0 THEN %(now)s - interval '1 hour'
                  WHEN n %% 10 = 1 THEN %(now)s + interval '1 hour'
                  ELSE %(now)s + interval '3 days'
              END AS deadline
          ) d ON true
        """,
        {
            "company": company.id,
            "categories": categories.ids,
            "now": now,
            "channel": channel.id,
            "sla": sla.id,
            "users": users.ids,
            "teams": teams.ids,
            "partners": partner_ids,
            "count": complaints,
        },
    )
    # Owners follow their complaints, as when an agent records or
    # acknowledges one.
    cr.execute(
        """
        INSERT INTO mail_followers (res_model, res_id, partner_id)
        SELECT 'cmr.complaint', c.id, u.partner_id
          FROM cmr_complaint c JOIN res_users u ON u.id = c.user_id
         WHERE c.name LIKE 'BENCH/%%'
        """
    )
    env.invalidate_all()
    return partner_ids


def main():
    parser = bench_parser(__doc__)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    with bench_env(args) as env:
        cr = env.cr
        Complaint = env["cmr.complaint"]
        start = time.perf_counter()
        build(env, args.customers, args.count)
        cr.execute("SELECT COUNT(*) FROM cmr_complaint WHERE name LIKE 'BENCH/%%'")
        built = cr.fetchone()[0]
        print(
            f"built {args.customers:,} customers and {built:,} open complaints "
            f"in {time.perf_counter() - start:.1f} s"
        )

        with QueryCounter(cr) as counter:
            start = time.perf_counter()
            result = Complaint._cron_escalate()
            env.flush_all()
            elapsed = time.perf_counter() - start
        print(
            f"escalation run: {elapsed:.2f} s, {result['reminded']:,} reminders, "
            f"{result['breached']:,} breaches flagged and escalated, "
            f"{counter.count} queries (target: under 10 s)"
        )
        env.invalidate_all()
        with QueryCounter(cr) as counter:
            start = time.perf_counter()
            again = Complaint._cron_escalate()
            env.flush_all()
            elapsed = time.perf_counter() - start
        print(
            f"escalation run again: {elapsed:.2f} s, {again['reminded']} reminders, "
            f"{again['breached']} breaches, {counter.count} queries"
        )

        env.invalidate_all()
        with QueryCounter(cr) as counter:
            start = time.perf_counter()
            groups = env["cmr.complaint.report"]._read_group(
                [],
                ["team_id", "user_id", "category_id", "factor_type"],
                [
                    "complaint_count:sum",
                    "timeliness:avg",
                    "satisfaction:avg",
                    "reopen_rate:avg",
                ],
            )
            elapsed = time.perf_counter() - start
        print(
            f"KPI read (timeliness, satisfaction, reopen rate by team, owner, "
            f"category, factor type): {elapsed:.2f} s, {len(groups):,} groups, "
            f"{counter.count} queries"
        )
        env.invalidate_all()
        teams = env["crm.team"].search([])
        with QueryCounter(cr) as counter:
            start = time.perf_counter()
            teams.mapped("cmr_complaint_timeliness")
            elapsed = time.perf_counter() - start
        print(
            f"team dashboard ({len(teams)} cards: open, late, timeliness, "
            f"satisfaction, reopen rate): {elapsed:.2f} s, {counter.count} queries"
        )
        print(f"(at {datetime.now():%Y-%m-%d %H:%M})")
        cr.rollback()


if __name__ == "__main__":
    main()
