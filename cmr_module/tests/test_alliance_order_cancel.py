from odoo.tests import new_test_user, tagged

from .alliance_common import AllianceCase


@tagged("post_install", "-at_install")
class TestAllianceOrderCancel(AllianceCase):
    """Points a confirmed sales order earned go back when it is cancelled:
    a reversing ledger line, never an edit, never a negative balance."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alliance.earn_source = "order"
        cls.product = cls.env["product.product"].create(
            {"name": "Lubricant", "type": "consu", "list_price": 80.0, "taxes_id": []}
        )
        # The least-privileged user who confirms and cancels orders.
        cls.salesman = new_test_user(
            cls.env,
            login="cmr_alliance_salesman",
            groups="sales_team.group_sale_salesman_all_leads",
        )

    def order(self):
        order = self.sale_order(self.member_2, self.product, user=self.salesman)
        order.action_confirm()
        return order

    def balance(self):
        self.card_2.invalidate_recordset(["balance"])
        return self.card_2.balance

    def test_cancel_takes_the_points_back_once(self):
        order = self.order()
        earning = self.env["cmr.points.line"]._earn_from_company()
        self.assertEqual(earning.points, 160)
        order.with_user(self.salesman).with_context(
            disable_cancel_warning=True
        ).action_cancel()
        self.assertEqual(self.balance(), 0)
        reversal = self.env["cmr.points.line"].search(
            [("reversed_line_id", "=", earning.id)]
        )
        self.assertEqual(reversal.points, -160)
        self.assertEqual(reversal.kind, "adjust")
        self.assertEqual(reversal.reference, order.name)
        self.assertEqual(earning.points, 160, "the earning itself is never changed")
        # The scheduled run finds nothing more to take back.
        self.env.ref("cmr_module.ir_cron_cmr_points_earn").method_direct_trigger()
        self.assertEqual(self.balance(), 0)
        self.assertEqual(
            self.env["cmr.points.line"].search_count(
                [("reversed_line_id", "=", earning.id)]
            ),
            1,
        )

    def test_points_already_spent_are_not_taken_below_zero(self):
        order = self.order()
        self.env["cmr.points.line"]._earn_from_company()
        self.agreement_a._record_redemption(self.card_2.card_number, 100)
        order.with_user(self.salesman).with_context(
            disable_cancel_warning=True
        ).action_cancel()
        self.assertEqual(self.balance(), 0)
        reversal = self.env["cmr.points.line"].search(
            [("membership_id", "=", self.card_2.id), ("reversed_line_id", "!=", False)]
        )
        self.assertEqual(reversal.points, -60)
        self.assertIn("100 of its 160 points were already spent", reversal.reason)

    def test_nothing_left_waits_for_the_next_run(self):
        order = self.order()
        earning = self.env["cmr.points.line"]._earn_from_company()
        self.agreement_a._record_redemption(self.card_2.card_number, 160)
        order.with_user(self.salesman).with_context(
            disable_cancel_warning=True
        ).action_cancel()
        self.assertEqual(self.balance(), 0)
        self.assertFalse(
            self.env["cmr.points.line"].search([("reversed_line_id", "=", earning.id)])
        )
        # New points: the next run takes back what the order still owes.
        self.earn(self.card_2, 50)
        self.env.ref("cmr_module.ir_cron_cmr_points_earn").method_direct_trigger()
        self.assertEqual(self.balance(), 0)
        reversal = self.env["cmr.points.line"].search(
            [("reversed_line_id", "=", earning.id)]
        )
        self.assertEqual(reversal.points, -50)
