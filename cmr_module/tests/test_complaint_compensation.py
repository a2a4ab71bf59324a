from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .complaint_common import FRIDAY_4PM, CmrComplaintCase


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY_4PM)
class TestComplaintCompensation(CmrComplaintCase):
    """Agents grant up to their authority limit; above it a manager approves.
    A monetary compensation is a draft credit note against the invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.company.chart_template:
            cls.env["account.chart.template"].try_loading(
                "generic_coa", company=cls.company, install_demo=False
            )
        Authority = cls.env["cmr.complaint.authority"]
        Authority.search([]).unlink()
        Authority.create(
            [
                {
                    "group_id": cls.env.ref("cmr_module.group_cmr_user").id,
                    "max_amount": 100,
                },
                {"user_id": cls.agent2.id, "max_amount": 300},
                {
                    "group_id": cls.env.ref("cmr_module.group_cmr_manager").id,
                    "max_amount": 1000,
                },
            ]
        )
        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Gas, November",
                            "quantity": 1,
                            "price_unit": 800,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        cls.invoice.action_post()

    def _compensation(self, complaint, **values):
        return (
            self.env["cmr.complaint.compensation"]
            .with_user(complaint.env.user)
            .create(
                {
                    "complaint_id": complaint.id,
                    "description": "Refund of the double charge",
                    "amount": 80,
                    **values,
                }
            )
        )

    def test_limits(self):
        Authority = self.env["cmr.complaint.authority"]
        self.assertEqual(Authority._limit_for(self.agent, self.company), 100)
        self.assertEqual(Authority._limit_for(self.agent2, self.company), 300)
        self.assertEqual(Authority._limit_for(self.manager, self.company), 1000)
        self.assertEqual(Authority._limit_for(self.outsider, self.company), 0)

    def test_within_limit_creates_linked_draft_credit_note(self):
        complaint = self._complaint(invoice_id=self.invoice.id)
        line = self._compensation(complaint)
        line.action_grant()
        self.assertEqual(line.state, "granted")
        credit_note = line.sudo().credit_note_id
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(credit_note.reversed_entry_id, self.invoice)
        self.assertEqual(credit_note.partner_id, self.customer)
        self.assertEqual(credit_note.amount_total, 80)
        self.assertEqual(credit_note.invoice_origin, complaint.name)

    def test_above_limit_needs_approval(self):
        complaint = self._complaint(invoice_id=self.invoice.id, team_id=self.team.id)
        line = self._compensation(complaint, amount=250)
        with self.assertRaises(UserError):
            line.action_grant()
        self.assertEqual(line.state, "draft")
        self.assertFalse(line.credit_note_id)
        self.assertFalse(
            self.env["account.move"].search(
                [("reversed_entry_id", "=", self.invoice.id)]
            )
        )
        line.action_ask_approval()
        self.assertEqual(line.state, "to_approve")
        with self.assertRaises(AccessError):
            line.action_approve()
        with self.assertRaises(UserError):
            line.write({"amount": 90})
        line.with_user(self.manager).action_approve()
        self.assertEqual(line.state, "granted")
        self.assertEqual(line.approved_by_id, self.manager)
        self.assertEqual(line.sudo().credit_note_id.amount_total, 250)

    def test_limit_counts_what_is_already_granted_on_the_complaint(self):
        complaint = self._complaint(invoice_id=self.invoice.id)
        first = self._compensation(complaint, amount=60)
        first.action_grant()
        # 60 granted + 50 asked = 110, above the agent's 100: split refused.
        second = self._compensation(complaint, kind="gift", amount=50)
        with self.assertRaisesRegex(UserError, "60.00"):
            second.action_grant()
        self.assertEqual(second.state, "draft")
        # Two lines granted together count together too.
        other = self._complaint(invoice_id=self.invoice.id)
        pair = self._compensation(other, amount=60) | self._compensation(
            other, kind="gift", amount=50
        )
        with self.assertRaises(UserError):
            pair.action_grant()
        self.assertEqual(set(pair.mapped("state")), {"draft"})
        self.assertFalse(pair.credit_note_id)
        # Within the limit, the rest is granted.
        self._compensation(complaint, kind="gift", amount=40).action_grant()
        self.assertEqual(
            sum(
                complaint.compensation_ids.filtered_domain(
                    [("state", "=", "granted")]
                ).mapped("amount")
            ),
            100,
        )

    def test_user_limit_overrides_group(self):
        complaint = self._complaint(user=self.agent2)
        line = self._compensation(complaint, amount=250)
        line.action_grant()
        self.assertEqual(line.state, "granted")

    def test_gift_is_recorded_without_accounting(self):
        complaint = self._complaint(category_id=self.attitude.id)
        line = self._compensation(
            complaint, kind="gift", description="Stamp album", amount=30
        )
        line.action_grant()
        self.assertEqual(line.state, "granted")
        self.assertFalse(line.credit_note_id)
        self.assertIn(line, complaint.compensation_ids)

    def test_refused_by_manager(self):
        complaint = self._complaint()
        line = self._compensation(complaint, amount=5000)
        line.action_ask_approval()
        line.with_user(self.manager).action_refuse()
        self.assertEqual(line.state, "refused")
        self.assertFalse(line.credit_note_id)
