from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .tier_common import CmrTierCase


@tagged("post_install", "-at_install")
class TestTierAccess(CmrTierCase):
    """Tiers as the people who use them: managers, agents, customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="cmr_tier_access_mgr", groups="cmr_module.group_cmr_manager"
        )
        cls.agent = new_test_user(
            cls.env, login="cmr_tier_access_agent", groups="cmr_module.group_cmr_user"
        )
        cls.customer = cls._customer("Tier access customer")
        cls._invoice(cls.customer, 5, 10000)
        cls.portal_user = new_test_user(
            cls.env,
            login="cmr_tier_access_portal",
            groups="base.group_portal",
            partner_id=cls.customer.id,
        )

    def test_manager_changes_and_locks_a_tier_with_the_wizard(self):
        self._evaluate()
        standing = self._standing(self.customer)
        self.assertEqual(standing.tier_id, self.low)
        wizard = (
            self.env["cmr.tier.change.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "standing_ids": [Command.set(standing.ids)],
                    "tier_id": self.gold.id,
                    "lock": True,
                    "lock_until": self.today + relativedelta(days=30),
                    "reason": "Agreed with the director",
                }
            )
        )
        wizard.action_apply()
        self.assertEqual(standing.tier_id, self.gold)
        self.assertEqual(standing.lock_tier_id, self.gold)
        line = standing.history_ids.filtered(lambda h: h.reason == "lock")
        self.assertEqual(line.user_id, self.manager)
        self.assertEqual((line.from_tier_id, line.to_tier_id), (self.low, self.gold))
        # The manager removes the lock too.
        standing.with_user(self.manager).action_unlock()
        self.assertFalse(standing.lock_tier_id)

    def test_agent_cannot_change_tiers(self):
        self._evaluate()
        standing = self._standing(self.customer)
        with self.assertRaises(AccessError):
            self.env["cmr.tier.change.wizard"].with_user(self.agent).create(
                {
                    "standing_ids": [Command.set(standing.ids)],
                    "tier_id": self.gold.id,
                    "lock": False,
                    "reason": "Friend of mine",
                }
            )
        self.assertEqual(standing.tier_id, self.low)

    def test_ratings_are_append_only_and_dated_by_the_server(self):
        Rating = self.env["cmr.score.rating"].with_user(self.agent)
        rating = Rating.create(
            {
                "partner_id": self.customer.id,
                "kind": "compliance",
                "value": 90,
                "reason": "Audit passed",
                # Forged: rated "by" the manager, dated in 2030.
                "user_id": self.manager.id,
                "date": "2030-01-01",
            }
        )
        self.assertEqual(rating.user_id, self.agent)
        # The agent's day (their zone may not be the administrator's).
        self.assertEqual(rating.date, fields.Date.context_today(rating))
        with self.assertRaises(UserError):
            rating.write({"value": 100})
        with self.assertRaises(UserError):
            rating.unlink()
        with self.assertRaises(UserError):
            rating.with_user(self.manager).write({"value": 100})
        self.assertEqual(rating.value, 90)
        # Even the addon's own code cannot date a rating ahead.
        with self.assertRaises(ValidationError):
            self.env["cmr.score.rating"].create(
                {
                    "partner_id": self.customer.id,
                    "value": 10,
                    "reason": "Ahead",
                    "date": self.today + relativedelta(days=1),
                }
            )
        with self.assertRaises(ValidationError):
            Rating.create(
                {"partner_id": self.customer.id, "value": 10, "reason": "x" * 5000}
            )

    def test_a_future_rating_does_not_win_the_evaluation(self):
        self.ladder.criterion_ids = [
            Command.clear(),
            Command.create({"kind": "compliance", "weight": 100}),
        ]
        Rating = self.env["cmr.score.rating"]
        Rating.create({"partner_id": self.customer.id, "value": 40, "reason": "Now"})
        # A row dated ahead (written before this version refused them).
        self.env.cr.execute(
            "INSERT INTO cmr_score_rating (partner_id, company_id, kind, value, "
            "reason, date) VALUES (%s, %s, 'compliance', 100, 'Ahead', %s)",
            [self.customer.id, self.company.id, self.today + relativedelta(years=3)],
        )
        self._evaluate()
        self.assertEqual(self._standing(self.customer).score, 40)

    def test_portal_reads_its_tier_but_not_staff_figures(self):
        self._evaluate()
        self.env["cmr.tier.change.wizard"].with_user(self.manager).create(
            {
                "standing_ids": [Command.set(self._standing(self.customer).ids)],
                "tier_id": self.gold.id,
                "lock": True,
                "lock_until": self.today + relativedelta(days=30),
                "reason": "Agreed with the director",
            }
        ).action_apply()
        standing = self._standing(self.customer).with_user(self.portal_user)
        self.assertEqual(standing.tier_id, self.gold)
        standing.read(["tier_id", "score", "lock_until", "upgrade_path"])
        for field in ("revenue", "margin", "sales", "lock_reason", "compliance"):
            with self.assertRaises(AccessError, msg=field):
                standing.read([field])
        history = self.env["cmr.tier.history"].with_user(self.portal_user)
        lines = history.search([("partner_id", "=", self.customer.id)])
        self.assertTrue(lines)
        lines.read(["date", "from_tier_id", "to_tier_id", "direction", "reason"])
        for field in ("note", "score", "revenue", "user_id"):
            with self.assertRaises(AccessError, msg=field):
                lines.read([field])
