from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .alliance_common import AllianceCase


@tagged("post_install", "-at_install")
class TestAllianceSecurity(AllianceCase):
    def test_other_company_alliance_is_invisible(self):
        other_company = self.env["res.company"].create({"name": "Other CMR company"})
        other = self.env["cmr.alliance"].create(
            {"name": "Other company club", "company_id": other_company.id}
        )
        card = self.env["cmr.membership"].create(
            {"partner_id": self.member.id, "alliance_id": other.id}
        )
        self.assertEqual(card.company_id, other_company)
        agent = new_test_user(
            self.env,
            login="cmr_alliance_agent",
            groups="cmr_module.group_cmr_user",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )
        Alliance = self.env["cmr.alliance"].with_user(agent)
        self.assertIn(self.alliance, Alliance.search([]))
        self.assertNotIn(other, Alliance.search([]))
        Membership = self.env["cmr.membership"].with_user(agent)
        self.assertNotIn(card, Membership.search([]))
        with self.assertRaises(AccessError):
            card.with_user(agent).read(["card_number"])
        benefit = self.env["cmr.alliance.benefit"].create(
            {"alliance_id": other.id, "name": "Free wash"}
        )
        Benefit = self.env["cmr.alliance.benefit"].with_user(agent)
        self.assertNotIn(benefit, Benefit.search([]))
        # Merchants and members read the alliance, not its KPIs.
        with self.assertRaises(AccessError):
            self.alliance.with_user(self.merchant_user_a).read(["member_count"])

    def test_staff_rights_by_group(self):
        agent = new_test_user(
            self.env, login="cmr_alliance_agent2", groups="cmr_module.group_cmr_user"
        )
        manager = new_test_user(
            self.env,
            login="cmr_alliance_manager",
            groups="cmr_module.group_cmr_manager",
        )
        # Agents read cards and the ledger, but neither issue cards nor adjust.
        self.assertEqual(
            self.card.with_user(agent).read(["card_number"])[0]["card_number"],
            self.card.card_number,
        )
        with self.assertRaises(AccessError):
            self.env["cmr.membership"].with_user(agent).create(
                {"partner_id": agent.partner_id.id, "alliance_id": self.alliance.id}
            )
        with self.assertRaises(AccessError):
            self.env["cmr.points.adjust.wizard"].with_user(agent).create(
                {"membership_id": self.card.id, "points": 5, "reason": "No"}
            )
        with self.assertRaises(AccessError):
            self.alliance.with_user(manager).write({"earn_rate": 9})
        # Managers issue cards and adjust points, with a reason.
        card = (
            self.env["cmr.membership"]
            .with_user(manager)
            .create(
                {"partner_id": manager.partner_id.id, "alliance_id": self.alliance.id}
            )
        )
        self.env["cmr.points.adjust.wizard"].with_user(manager).create(
            {"membership_id": card.id, "points": 5, "reason": "Welcome"}
        ).action_adjust()
        self.assertEqual(card.balance, 5)
        line = card.line_ids
        self.assertEqual(line.user_id, manager)
        # ...but never write the ledger directly, bypassing the balance check
        # and the reason.
        with self.assertRaises(UserError):
            self.env["cmr.points.line"].with_user(manager).create(
                {"membership_id": card.id, "kind": "redeem", "points": -5000}
            )
        with self.assertRaises(UserError):
            self.env["cmr.points.allocation"].with_user(manager).create(
                {"consumer_line_id": line.id, "earn_line_id": line.id, "points": 1}
            )
        self.assertEqual(card.balance, 5)
        # Card numbers are not consecutive: a merchant cannot guess the next.
        other = (
            self.env["cmr.membership"]
            .with_user(manager)
            .create(
                {"partner_id": agent.partner_id.id, "alliance_id": self.alliance.id}
            )
        )
        self.assertNotEqual(
            abs(int(other.card_number[:-1]) - int(card.card_number[:-1])), 1
        )
        with self.assertRaises(AccessError):
            line.with_user(manager).unlink()
