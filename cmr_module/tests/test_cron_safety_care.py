from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import common, new_test_user, tagged

from .care_common import (
    CmrCareCase,
    committed_care_customer,
    make_customer,
    remove_committed_care_customer,
)
from .common import committed_env, run_queued
from .cron_common import CronRunnerMixin, RaceAnyMixin, only


@tagged("post_install", "-at_install")
class TestCronSafetyCarePlanRace(RaceAnyMixin, common.BaseCase):
    """The plans' scheduled action and a manager's queued *Generate Visits
    Now* in two committed transactions: one visit per plan occurrence."""

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            env["res.users"].with_context(active_test=False).search(
                [("login", "=", "cron_safety_care_manager")]
            ).unlink()
            self.ids = committed_care_customer(env, "Cron safety care", quota=4)
            plan = env["cmr.care.plan"].create(
                {
                    "partner_id": self.ids["partner"],
                    "service_id": self.ids["service"],
                    "interval": 3,
                    "next_date": fields.Date.today() + timedelta(days=5),
                }
            )
            manager = new_test_user(
                env,
                login="cron_safety_care_manager",
                groups="cmr_module.group_cmr_manager",
            )
            self.ids.update(plan=plan.id, manager=manager.id)
            self.next_date = plan.next_date
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with committed_env() as env:
            cr = env.cr
            cr.execute(
                "SELECT id FROM cmr_job WHERE user_id = %s", [self.ids["manager"]]
            )
            job_ids = [row[0] for row in cr.fetchall()]
            for table, column in (
                ("mail_message", "model"),
                ("mail_followers", "res_model"),
            ):
                cr.execute(
                    f"DELETE FROM {table} WHERE {column} = 'cmr.job' "  # noqa: S608
                    "AND res_id = ANY(%s)",
                    [job_ids],
                )
            cr.execute("DELETE FROM cmr_job WHERE id = ANY(%s)", [job_ids])
            remove_committed_care_customer(env, self.ids)
            manager = env["res.users"].browse(self.ids["manager"])
            manager_partner = manager.partner_id
            manager.unlink()
            manager_partner.unlink()

    def only_this_plan(self, env):
        plan_id = self.ids["plan"]
        return only(
            env["cmr.care.plan"],
            "_plans_due",
            lambda plans: plans.filtered(lambda p: p.id == plan_id),
        )

    def generate_now(self, env):
        manager = env(user=self.ids["manager"])
        with self.only_this_plan(env):
            job = run_queued(manager, manager["cmr.care.plan"].action_generate_now())
        return job.state

    def cron(self, env):
        with self.only_this_plan(env):
            return env["cmr.care.plan"]._cron_generate_visits()

    def test_cron_safety_generate_now_then_cron(self):
        outcome = self.race_any(self.generate_now, self.cron)
        self.assertEqual(outcome["first"], "done")
        self.assertEqual(outcome["result"], 0, "the run skipped the plan held")
        with committed_env() as env:
            plan = env["cmr.care.plan"].browse(self.ids["plan"])
            self.assertEqual(len(plan.visit_ids), 1, "one visit per occurrence")
            self.assertEqual(plan.next_date, self.next_date + relativedelta(months=3))
            # Nothing left for the scheduled action.
            self.assertEqual(self.cron(env), 0)


@tagged("post_install", "-at_install")
class TestCronSafetyCareBatches(CronRunnerMixin, CmrCareCase):
    def test_cron_safety_plans_resume_after_a_crash(self):
        customers = [
            make_customer(self, f"Planned {index}", tier=self.gold)
            for index in range(5)
        ]
        plans = self.env["cmr.care.plan"].create(
            [
                {
                    "partner_id": partner.id,
                    "service_id": self.inspection.id,
                    "interval": 3,
                    "next_date": fields.Date.today() + timedelta(days=5),
                }
                for partner in customers
            ]
        )
        Plan = self.env["cmr.care.plan"]
        with (
            only(Plan, "_plans_due", lambda found: found & plans),
            self.crash_on_call(self.env["cmr.care.visit"], "create", calls=(2,)),
        ):
            reports = self.run_cron(
                "cmr_module.ir_cron_cmr_care_plans",
                lambda env: env["cmr.care.plan"]._cron_generate_visits(batch_size=2),
            )
        self.assertEqual(self.done_counts(reports), [2, "crash", 2, 1])
        for plan in plans:
            self.assertEqual(len(plan.visit_ids), 1, "one visit per occurrence")
            self.assertEqual(
                plan.next_date,
                fields.Date.today() + timedelta(days=5) + relativedelta(months=3),
            )

    def test_cron_safety_greetings_resume_after_a_crash(self):
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"Birthday {index}",
                    "tz": "Asia/Shanghai",
                    "lang": "en_US",
                    "cmr_birthday": date(1980, 3, 10),
                    "cmr_channel_pref_ids": [
                        Command.create({"channel_id": self.wechat.id, "sequence": 1})
                    ],
                }
                for index in range(5)
            ]
        )
        Greeting = self.env["cmr.care.greeting"]
        with (
            # 10 March, 20:00 in Shanghai.
            freeze_time(datetime(2026, 3, 10, 12, 0)),
            only(
                Greeting,
                "_due",
                lambda rows: [r for r in rows if r[0] in customers.ids],
            ),
            self.crash_on_call(Greeting, "_send", calls=(2,)),
        ):
            reports = self.run_cron(
                "cmr_module.ir_cron_cmr_care_greetings",
                lambda env: env["cmr.care.greeting"]._cron_send_greetings(batch_size=2),
            )
        self.assertEqual(reports, [(2, 3), "crash", (2, 1), (1, 0)])
        greetings = Greeting.search([("partner_id", "in", customers.ids)])
        self.assertEqual(greetings.partner_id, customers)
        self.assertEqual(len(greetings), 5, "one greeting per customer")
        self.assertEqual(set(greetings.mapped("state")), {"sent"})
        contacts = self.env["cmr.contact"].search(
            [("res_model", "=", "cmr.care.greeting"), ("res_id", "in", greetings.ids)]
        )
        self.assertEqual(len(contacts), 5, "one message each")
        self.assertEqual(greetings.contact_id, contacts)
