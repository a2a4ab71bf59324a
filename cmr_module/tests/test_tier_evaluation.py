from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import utc
from .tier_common import CmrTierCase


@tagged("post_install", "-at_install")
class TestTierEvaluation(CmrTierCase):
    def test_score_thresholds_and_upgrade_path(self):
        rich = self._customer("Rich")
        middle = self._customer("Middle")
        idle = self._customer("Idle")
        self._invoice(rich, 30, 60000)
        self._invoice(middle, 30, 20000)
        # Older than the 12-month window: does not count.
        self._invoice(idle, 400, 90000)
        run = self._evaluate()
        self.assertEqual(run.customer_count, 3)
        self.assertEqual(run.change_count, 3)
        rich_st, middle_st, idle_st = (self._standing(p) for p in (rich, middle, idle))
        self.assertEqual(rich_st.tier_id, self.gold)
        self.assertEqual(rich_st.score, 100)
        self.assertEqual(middle_st.tier_id, self.ordinary)
        self.assertEqual(middle_st.score, 40)
        self.assertEqual(idle_st.tier_id, self.low)
        self.assertEqual(idle_st.revenue, 0)
        # Middle needs 30 more points, i.e. 15,000 more invoiced.
        self.assertEqual(middle_st.next_tier_id, self.gold)
        self.assertEqual(middle_st.gap_score, 30)
        self.assertIn("15,000.00", middle_st.upgrade_path)
        self.assertIn("Gold", middle_st.upgrade_path)
        self.assertFalse(rich_st.next_tier_id)
        self.assertFalse(rich_st.upgrade_path)
        self.assertEqual(rich.cmr_tier_id, self.gold)
        self.assertEqual(
            self.env["res.partner"].search([("cmr_tier_id", "=", self.gold.id)]), rich
        )
        history = self.env["cmr.tier.history"].search([("run_id", "=", run.id)])
        self.assertEqual(set(history.mapped("direction")), {"initial"})

    def test_refunds_partial_payments_and_payment_integrity(self):
        self.ladder.criterion_ids = [
            Command.clear(),
            Command.create({"kind": "revenue", "weight": 50, "target": 50000}),
            Command.create({"kind": "payment_ontime", "weight": 30}),
            Command.create({"kind": "payment_delay", "weight": 20, "target": 40}),
        ]
        customer = self._customer("Partial Payer")
        late = self._invoice(customer, 60, 10000)
        on_time = self._invoice(customer, 50, 5000)
        self._invoice(customer, 10, 3000, move_type="out_refund")
        # 4,000 of 10,000 paid on the due date: still open, so late (60 days).
        self._pay(late, 60, amount=4000)
        self._pay(on_time, 50)
        self._evaluate()
        standing = self._standing(customer)
        self.assertEqual(standing.revenue, 12000)
        self.assertEqual(standing.ontime_rate, 50)
        self.assertEqual(standing.days_late, 30)
        # 12,000/50,000 → 24 pts × 50 %; 50 × 30 %; (100 - 75) × 20 %.
        self.assertEqual(standing.breakdown["revenue"], 24)
        self.assertEqual(standing.breakdown["payment_delay"], 25)
        self.assertAlmostEqual(standing.score, 12 + 15 + 5)

    def test_gross_margin_uses_known_costs(self):
        self.ladder.criterion_ids = [
            Command.clear(),
            Command.create({"kind": "margin", "weight": 100, "target": 4000}),
        ]
        customer = self._customer("Margin")
        self._invoice(customer, 20, 10000)
        self._invoice(customer, 10, 1000, move_type="out_refund")
        self._evaluate()
        standing = self._standing(customer)
        # (10,000 - 1,000) × (1 - 0.6) = 3,600.
        self.assertEqual(standing.margin, 3600)
        self.assertEqual(standing.score, 90)

    def test_foreign_currency_invoice_counts_in_company_currency(self):
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search(
                [("name", "!=", self.company.currency_id.name), ("name", "=", "EUR")]
            )
        )
        currency.active = True
        self.env["res.currency.rate"].create(
            {
                "name": self.today - relativedelta(days=400),
                "rate": 0.5,
                "currency_id": currency.id,
                "company_id": self.company.id,
            }
        )
        customer = self._customer("Foreign")
        self._invoice(customer, 30, 10000, currency=currency)
        self._evaluate()
        # 10,000 EUR at 0.5 EUR per unit of company currency.
        self.assertEqual(self._standing(customer).revenue, 20000)

    def test_percentiles_share_ties(self):
        ladder = self._make_ladder(
            "percentile",
            [("VIP", 10), ("Care", 50), ("Rest", 100)],
            [("revenue", 100, 100000)],
        )
        ladder.action_use_ladder()
        vip, care, rest = ladder._ordered_tiers()
        customers = [self._customer(f"P{index}") for index in range(10)]
        amounts = [90000, 90000, 50000, 40000, 30000, 20000, 10000, 5000, 1000, 0]
        for customer, amount in zip(customers, amounts, strict=True):
            if amount:
                self._invoice(customer, 5, amount)
        self._evaluate(ladder)
        tiers = [self._standing(c, ladder).tier_id for c in customers]
        # The top two tie: both VIP (the top 10 % of 10 would be one).
        self.assertEqual(tiers[:2], [vip, vip])
        # Ranks 3-5 start within the top 50 %, the rest after it.
        self.assertEqual(tiers[2:5], [care] * 3)
        self.assertEqual(tiers[5:], [rest] * 5)
        # The entry score of Care is the score a Rest customer must reach.
        self.assertEqual(self._standing(customers[5], ladder).gap_score, 10)

    def test_pareto_share_of_revenue(self):
        ladder = self._make_ladder(
            "pareto",
            [("Gold", 80), ("Ordinary", 95), ("Low", 100)],
            [("revenue", 100, 100000)],
        )
        ladder.action_use_ladder()
        gold, ordinary, low = ladder._ordered_tiers()
        big, mid, small, none = (
            self._customer(n) for n in ("Big", "Mid", "Small", "None")
        )
        for customer, amount in ((big, 80000), (mid, 15000), (small, 5000)):
            self._invoice(customer, 5, amount)
        self._evaluate(ladder)
        self.assertEqual(self._standing(big, ladder).tier_id, gold)
        self.assertEqual(self._standing(mid, ladder).tier_id, ordinary)
        self.assertEqual(self._standing(small, ladder).tier_id, low)
        self.assertEqual(self._standing(none, ladder).tier_id, low)
        mid_standing = self._standing(mid, ladder)
        self.assertEqual(mid_standing.gap_revenue, 65000)
        self.assertIn("65,000.00", mid_standing.upgrade_path)

    def test_second_run_changes_nothing(self):
        customer = self._customer("Steady")
        self._invoice(customer, 5, 40000)
        self._evaluate()
        standing = self._standing(customer)
        self.env.cr.execute(
            "SELECT write_date FROM cmr_partner_tier WHERE id = %s", [standing.id]
        )
        written = self.env.cr.fetchone()[0]
        history_count = self.env["cmr.tier.history"].search_count([])
        run = self._evaluate()
        self.assertEqual(run.change_count, 0)
        self.assertEqual(self.env["cmr.tier.history"].search_count([]), history_count)
        self.env.cr.execute(
            "SELECT write_date FROM cmr_partner_tier WHERE id = %s", [standing.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], written)

    def test_hysteresis_consecutive_evaluations(self):
        self.ladder.downgrade_after = 2
        customer = self._customer("Slipping")
        # Counts at 30 days ago, leaves the window 10 days ago.
        self._invoice(customer, 365 + 20, 40000)
        self._invoice(customer, 100, 20000)
        self._evaluate(days_ago=30)
        standing = self._standing(customer)
        self.assertEqual(standing.tier_id, self.gold)
        run = self._evaluate(days_ago=10)
        self.assertEqual(standing.tier_id, self.gold, "one evaluation below holds")
        self.assertEqual(standing.below_count, 1)
        self.assertEqual(run.held_count, 1)
        # Re-running the same day is the same evaluation.
        self._evaluate(days_ago=10)
        self.assertEqual(standing.below_count, 1)
        run = self._evaluate()
        self.assertEqual(standing.tier_id, self.ordinary)
        self.assertEqual(standing.below_count, 0)
        self.assertEqual(run.downgrade_count, 1)
        last = standing.history_ids[:1]
        self.assertEqual(
            (last.from_tier_id, last.to_tier_id, last.direction),
            (self.gold, self.ordinary, "down"),
        )

    def test_hysteresis_grace_period(self):
        self.ladder.write({"downgrade_policy": "grace", "grace_days": 45})
        customer = self._customer("Grace")
        self._invoice(customer, 365 + 20, 40000)
        self._invoice(customer, 100, 20000)
        self._evaluate(days_ago=30)
        standing = self._standing(customer)
        self._evaluate(days_ago=10)
        self._evaluate()
        self.assertEqual(standing.tier_id, self.gold, "10 days below < 45")
        self.assertEqual(standing.below_since, self.today - relativedelta(days=10))
        self._evaluate(days_ago=-36)
        self.assertEqual(standing.tier_id, self.ordinary, "46 days below")

    def test_upgrade_is_immediate(self):
        self.ladder.downgrade_after = 3
        customer = self._customer("Rising")
        self._invoice(customer, 40, 20000)
        self._evaluate(days_ago=30)
        standing = self._standing(customer)
        self.assertEqual(standing.tier_id, self.ordinary)
        self._invoice(customer, 5, 20000)
        run = self._evaluate()
        self.assertEqual(standing.tier_id, self.gold)
        self.assertEqual(run.upgrade_count, 1)

    def test_manual_change_replaces_a_lock_and_standings_are_not_written_directly(
        self,
    ):
        customer = self._customer("Once strategic")
        self._invoice(customer, 5, 10000)
        self._evaluate()
        standing = self._standing(customer)
        Wizard = self.env["cmr.tier.change.wizard"]
        Wizard.create(
            {
                "standing_ids": [Command.set(standing.ids)],
                "tier_id": self.gold.id,
                "lock": True,
                "lock_until": self.today + relativedelta(days=30),
                "reason": "Strategic account",
            }
        ).action_apply()
        Wizard.create(
            {
                "standing_ids": [Command.set(standing.ids)],
                "tier_id": self.ordinary.id,
                "lock": False,
                "reason": "Contract ended",
            }
        ).action_apply()
        self.assertFalse(standing.lock_tier_id)
        # The next evaluation does not bring the old lock's tier back.
        self._evaluate()
        self.assertNotEqual(standing.tier_id, self.gold)
        # A manager changes a tier through the wizard (with a history line),
        # never by writing the standing.
        manager = new_test_user(
            self.env, login="cmr_tier_mgr_w", groups="cmr_module.group_cmr_manager"
        )
        with self.assertRaises(AccessError):
            standing.with_user(manager).write({"tier_id": self.gold.id, "score": 99})
        # An employee outside CMR sees the tier on the customer, not the
        # standing's figures.
        employee = new_test_user(
            self.env, login="cmr_tier_plain_employee", groups="base.group_user"
        )
        self.assertTrue(customer.with_user(employee).cmr_tier_id)
        with self.assertRaises(AccessError):
            standing.with_user(employee).read(["revenue"])
        with self.assertRaises(AccessError):
            self.gold.with_user(employee).read(["last_min_revenue"])

    def test_lock_holds_until_expiry(self):
        customer = self._customer("Strategic")
        self._invoice(customer, 5, 10000)
        self._evaluate()
        standing = self._standing(customer)
        self.assertEqual(standing.tier_id, self.low)
        self.env["cmr.tier.change.wizard"].create(
            {
                "standing_ids": [Command.set(standing.ids)],
                "tier_id": self.gold.id,
                "lock": True,
                "lock_until": self.today + relativedelta(days=10),
                "reason": "Strategic account",
            }
        ).action_apply()
        self.assertEqual(standing.tier_id, self.gold)
        lock_line = standing.history_ids[:1]
        self.assertEqual((lock_line.reason, lock_line.direction), ("lock", "up"))
        self.assertEqual(lock_line.note, "Strategic account")
        run = self._evaluate()
        self.assertEqual(standing.tier_id, self.gold, "the lock holds")
        self.assertEqual(run.held_count, 1)
        self._evaluate(days_ago=-11)
        self.assertEqual(standing.tier_id, self.low, "the lock expired")
        self.assertFalse(standing.lock_tier_id)
        self.assertFalse(standing.lock_reason)

    def test_unlock_is_logged(self):
        customer = self._customer("Unlocked")
        self._evaluate()
        standing = self._standing(customer)
        self.env["cmr.tier.change.wizard"].create(
            {
                "standing_ids": [Command.set(standing.ids)],
                "tier_id": self.ordinary.id,
                "lock_until": self.today,
                "reason": "Trial",
            }
        ).action_apply()
        standing.action_unlock()
        self.assertFalse(standing.lock_tier_id)
        self.assertEqual(standing.history_ids[:1].reason, "unlock")

    def test_tier_change_notice_waits_for_the_customer_window(self):
        wechat = self.env.ref("cmr_module.cmr_channel_wechat")
        customer = self._customer(
            "Evening Customer",
            tz="Asia/Shanghai",
            cmr_channel_pref_ids=[Command.create({"channel_id": wechat.id})],
            cmr_window_ids=[
                Command.create({"weekday": str(day), "hour_from": 19, "hour_to": 21})
                for day in range(7)
            ],
            cmr_topic_ids=[
                Command.set(self.env.ref("cmr_module.cmr_topic_relationship").ids)
            ],
        )
        self._invoice(customer, 40, 20000)
        self._evaluate(days_ago=30)
        self._invoice(customer, 5, 30000)
        # 10:00 in Shanghai: outside the 19:00-21:00 window.
        run = self._evaluate()
        self.assertEqual(run.upgrade_count, 1)
        self.assertEqual(run.notice_count, 0, "notices go out by batches, later")
        with patch.object(fields.Datetime, "now", return_value=utc(2026, 11, 23, 2)):
            self.env["cmr.tier.history"]._cron_send_notices()
        run.invalidate_recordset(["notice_count"])
        self.assertEqual(run.notice_count, 1)
        # Sent once: the next batch finds nothing left to announce.
        self.assertFalse(self.env["cmr.tier.history"]._pending_notices())
        history = self._standing(customer).history_ids[:1]
        notice = self.env["cmr.contact"].search(
            [("res_model", "=", "cmr.tier.history"), ("res_id", "=", history.id)]
        )
        self.assertEqual(notice.state, "queued")
        self.assertEqual(notice.refusal_reason, "outside_window")
        self.assertEqual(notice.scheduled_date, utc(2026, 11, 23, 11))
        self.assertIn("Gold", notice.subject)
        self.assertIn("Ordinary", str(notice.body))
        with patch.object(
            fields.Datetime, "now", return_value=utc(2026, 11, 23, 11, 30)
        ):
            self.env["cmr.contact"]._cron_send_queued()
        self.assertEqual(notice.state, "to_deliver")

    def test_only_the_latest_move_is_announced(self):
        customer = self._customer("Up and down", email="updown@example.com")
        self._invoice(customer, 90, 20000)
        self._evaluate(days_ago=60)
        History = self.env["cmr.tier.history"].sudo()
        standing = self._standing(customer)
        up, down = History.create(
            [
                {
                    "partner_id": customer.id,
                    "company_id": self.company.id,
                    "ladder_id": self.ladder.id,
                    "date": fields.Datetime.now(),
                    "from_tier_id": from_tier.id,
                    "to_tier_id": to_tier.id,
                    "direction": direction,
                    "reason": "evaluation",
                    "score": standing.score,
                }
                for from_tier, to_tier, direction in (
                    (self.low, self.gold, "up"),
                    (self.gold, self.ordinary, "down"),
                )
            ]
        )
        pending = History._pending_notices(limit=100)
        self.assertIn(down, pending)
        self.assertNotIn(up, pending)
        # A ladder that sends no notice leaves nothing pending.
        self.ladder.notice_template_id = False
        self.assertNotIn(down, History._pending_notices(limit=100))

    def test_first_classification_sends_no_notice(self):
        customer = self._customer("New", email="new@example.com")
        self._invoice(customer, 5, 40000)
        run = self._evaluate()
        self.env["cmr.tier.history"]._cron_send_notices()
        self.assertEqual(run.change_count, 1)
        self.assertEqual(run.notice_count, 0)

    def test_category_criteria_replace_the_default_ones(self):
        bus = self.env["cmr.customer.category"].create({"name": "Bus", "code": "t_bus"})
        self.ladder.criterion_ids = [
            Command.create(
                {
                    "category_id": bus.id,
                    "kind": "revenue",
                    "weight": 100,
                    "target": 200000,
                }
            )
        ]
        fleet = self._customer("Fleet", cmr_category_id=bus.id)
        shop = self._customer("Shop")
        self._invoice(fleet, 5, 100000)
        self._invoice(shop, 5, 100000)
        self._evaluate()
        self.assertEqual(self._standing(fleet).score, 50)
        self.assertEqual(self._standing(fleet).category_id, bus)
        self.assertEqual(self._standing(shop).score, 100)

    def test_ratings_and_referrals(self):
        self.ladder.criterion_ids = [
            Command.clear(),
            Command.create({"kind": "compliance", "weight": 50}),
            Command.create({"kind": "referrals", "weight": 50, "target": 4}),
        ]
        rated = self._customer("Rated")
        unrated = self._customer("Unrated")
        Rating = self.env["cmr.score.rating"]
        Rating.create(
            {"partner_id": rated.id, "value": 20, "reason": "Old", "date": "2020-01-01"}
        )
        Rating.create({"partner_id": rated.id, "value": 90, "reason": "Audit passed"})
        for index in range(2):
            self._customer(f"Friend {index}", cmr_referred_by_id=rated.id)
        self._evaluate()
        self.assertEqual(self._standing(rated).breakdown["compliance"], 90)
        self.assertEqual(self._standing(rated).referrals, 2)
        self.assertEqual(self._standing(rated).score, 45 + 25)
        # No rating: a neutral 50.
        self.assertEqual(self._standing(unrated).score, 25)
