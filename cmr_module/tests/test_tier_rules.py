from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import run_queued
from .tier_common import CmrTierCase


@tagged("post_install", "-at_install")
class TestTierRules(CmrTierCase):
    def test_unsorted_or_overlapping_thresholds_are_refused(self):
        for bounds in ((30, 70, 0), (70, 70, 0), (70, 30, -5)):
            with self.subTest(bounds=bounds), self.assertRaises(ValidationError):
                self.ladder.write(
                    {
                        "tier_ids": [
                            Command.update(tier.id, {"bound": bound})
                            for tier, bound in zip(
                                self.ladder._ordered_tiers(), bounds, strict=True
                            )
                        ]
                    }
                )
        self.assertEqual(self.ladder._ordered_tiers().mapped("bound"), [70, 30, 0])

    def test_percentile_outside_0_100_is_refused(self):
        with self.assertRaises(ValidationError):
            self._make_ladder(
                "percentile", [("VIP", 1), ("Rest", 120)], [("revenue", 100, 1000)]
            )
        with self.assertRaises(ValidationError):
            self._make_ladder(
                "pareto", [("A", 80), ("B", 50)], [("revenue", 100, 1000)]
            )

    def test_weights_must_sum_to_100(self):
        with self.assertRaises(ValidationError):
            self.ladder.write(
                {
                    "criterion_ids": [
                        Command.create({"kind": "payment_ontime", "weight": 20})
                    ]
                }
            )
        self.assertEqual(len(self.ladder.criterion_ids), 1)
        with self.assertRaises(ValidationError):
            self.ladder.write(
                {"criterion_ids": [Command.create({"kind": "revenue", "weight": 0})]}
            )

    def test_amount_criteria_need_a_target(self):
        with self.assertRaises(ValidationError):
            self._make_ladder("threshold", [("A", 0)], [("revenue", 100, 0)])

    def test_only_one_ladder_in_use_per_company(self):
        other = self._make_ladder("threshold", [("A", 0)], [("revenue", 100, 10)])
        with self.assertRaises(ValidationError):
            other.active = True
        other.action_use_ladder()
        self.assertTrue(other.active)
        self.assertFalse(self.ladder.active)

    def test_lock_needs_reason_and_future_expiry(self):
        customer = self._customer("Locked")
        self._evaluate()
        standing = self._standing(customer)
        Wizard = self.env["cmr.tier.change.wizard"]
        for values in (
            {"reason": " ", "lock_until": self.today},
            {"reason": "Why", "lock_until": "2000-01-01"},
            {"reason": "Why", "lock_until": False},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                Wizard.create(
                    {
                        "standing_ids": [Command.set(standing.ids)],
                        "tier_id": self.gold.id,
                        "lock": True,
                        **values,
                    }
                ).action_apply()
        self.assertEqual(standing.tier_id, self.low)
        self.assertFalse(standing.history_ids.filtered(lambda h: h.reason == "lock"))
        with self.assertRaises(ValidationError):
            standing.write({"lock_tier_id": self.gold.id, "lock_until": self.today})

    def test_history_is_append_only(self):
        customer = self._customer("History")
        self._evaluate()
        line = self._standing(customer).history_ids
        for env_line in (line, line.sudo()):
            with self.assertRaises(UserError):
                env_line.write({"note": "rewritten"})
            with self.assertRaises(UserError):
                env_line.unlink()
        self.assertFalse(line.note)

    def test_two_companies_are_kept_apart(self):
        company_b = self.env["res.company"].create({"name": "CMR Company B"})
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=company_b, install_demo=False
        )
        self.env.user.company_ids |= company_b
        ladder_b = self._make_ladder(
            "threshold",
            [("B-Gold", 50), ("B-Low", 0)],
            [("revenue", 100, 10000)],
            company=company_b,
        )
        ladder_b.action_use_ladder()
        shared = self._customer("Shared Customer")
        self._invoice(shared, 5, 60000)
        self._invoice(shared, 5, 1000, company=company_b)
        self._evaluate()
        self._evaluate(ladder_b)
        self.assertEqual(self._standing(shared).revenue, 60000)
        self.assertEqual(self._standing(shared, ladder_b).revenue, 1000)
        self.assertEqual(self._standing(shared, ladder_b).company_id, company_b)
        user_a = new_test_user(
            self.env,
            login="cmr_tier_user_a",
            groups="cmr_module.group_cmr_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        visible = (
            self.env["cmr.partner.tier"]
            .with_user(user_a)
            .search([("partner_id", "=", shared.id)])
        )
        self.assertEqual(visible.ladder_id, self.ladder)
        self.assertEqual(shared.with_company(self.company).cmr_tier_id, self.gold)
        self.assertEqual(shared.with_company(company_b).cmr_tier_id.name, "B-Low")

    def test_overlapping_run_stops_without_writing(self):
        # The ladder row is locked by another transaction, as by a running
        # evaluation; the second run must stop before writing anything. (A
        # committed ladder this test transaction has not touched.)
        ladder = self.env.ref("cmr_module.cmr_tier_ladder_vip")
        runs = self.env["cmr.tier.run"].search_count([])
        with self.env.registry.cursor() as other_cr:
            other_cr.execute(
                "SELECT id FROM cmr_tier_ladder WHERE id = %s FOR UPDATE", [ladder.id]
            )
            with self.assertRaises(UserError), mute_logger("odoo.sql_db"):
                self.env["cmr.tier.evaluation"]._evaluate(ladder, self.today)
            other_cr.rollback()
        self.assertEqual(self.env["cmr.tier.run"].search_count([]), runs)

    def test_only_managers_reevaluate(self):
        user = new_test_user(
            self.env, login="cmr_tier_user", groups="cmr_module.group_cmr_user"
        )
        manager = new_test_user(
            self.env, login="cmr_tier_manager", groups="cmr_module.group_cmr_manager"
        )
        with self.assertRaises(UserError):
            self.ladder.with_user(user).action_reevaluate()
        with self.assertRaises(AccessError):
            self.ladder.with_user(user).write({"window_months": 6})
        runs = self.env["cmr.tier.run"].search_count([])
        action = self.ladder.with_user(manager).action_reevaluate()
        # The button only queues the run: nothing evaluated yet.
        self.assertEqual(action["res_model"], "cmr.job")
        self.assertEqual(self.env["cmr.tier.run"].search_count([]), runs)
        job = run_queued(self.env, action)
        self.assertEqual(job.state, "done")
        run = self.env["cmr.tier.run"].browse(job.result_ids)
        self.assertEqual(run.user_id, manager)
        self.assertEqual(run.trigger, "manual")
        self.assertIn(str(run.customer_count), job.summary)

    def test_reevaluation_queries_do_not_grow_with_customers(self):
        def build(count):
            customers = self.env["res.partner"].create(
                [{"name": f"Q{count}-{i}", "customer_rank": 1} for i in range(count)]
            )
            for customer in customers[:5]:
                self._invoice(customer, 5, 60000)
            return customers

        build(20)
        self.ladder._evaluate()  # warm caches
        build(180)
        self.env.invalidate_all()
        # 200 customers, 180 of them new: a fixed number of queries.
        with self.assertQueryCount(28):
            run = self.ladder._evaluate(today=self.today)
        self.assertEqual(run.customer_count, 200)
        self.assertEqual(run.change_count, 180)

    def test_alliance_benefits_follow_the_customer_tier(self):
        alliance = self.env.ref("cmr_module.cmr_alliance_fuel_card")
        Benefit = self.env["cmr.alliance.benefit"]
        for_all = Benefit.create({"alliance_id": alliance.id, "name": "Car wash -10%"})
        for_gold = Benefit.create(
            {
                "alliance_id": alliance.id,
                "name": "Free tank cleaning",
                "tier_ids": [Command.set(self.gold.ids)],
            }
        )
        gold_member = self._customer("Gold Member")
        low_member = self._customer("Low Member")
        self._invoice(gold_member, 5, 60000)
        self._evaluate()
        cards = self.env["cmr.membership"].create(
            [
                {"partner_id": member.id, "alliance_id": alliance.id}
                for member in (gold_member, low_member)
            ]
        )
        self.assertIn(for_gold, cards[0].benefit_ids)
        self.assertIn(for_all, cards[0].benefit_ids)
        self.assertNotIn(for_gold, cards[1].benefit_ids)
        self.assertIn(for_all, cards[1].benefit_ids)
