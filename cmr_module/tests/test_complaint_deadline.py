from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .complaint_common import FRIDAY_4PM, CmrComplaintCase


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY_4PM)
class TestComplaintDeadline(CmrComplaintCase):
    """Reply deadline = min(customer's time, SLA in business hours)."""

    def test_sla_runs_over_the_weekend_in_business_hours(self):
        # 4 business hours from Friday 16:00: 2 on Friday, 2 on Monday.
        complaint = self._complaint(reply_by=datetime(2026, 11, 23, 18, 0))
        self.assertEqual(complaint.sla_id, self.sla_default)
        self.assertEqual(complaint.reply_deadline, datetime(2026, 11, 23, 11, 0))
        self.assertEqual(complaint.ack_deadline, datetime(2026, 11, 20, 17, 0))

    def test_customer_time_wins_when_earlier(self):
        complaint = self._complaint(reply_by=datetime(2026, 11, 20, 17, 30))
        self.assertEqual(complaint.reply_deadline, datetime(2026, 11, 20, 17, 30))

    def test_no_customer_time_means_sla(self):
        complaint = self._complaint()
        self.assertEqual(complaint.reply_deadline, datetime(2026, 11, 23, 11, 0))

    def test_tier_and_category_policy(self):
        complaint = self._complaint(partner_id=self.gold_customer.id)
        self.assertEqual(complaint.sla_id, self.sla_gold_billing)
        self.assertEqual(complaint.reply_deadline, datetime(2026, 11, 20, 18, 0))
        other = self._complaint(
            partner_id=self.gold_customer.id, category_id=self.attitude.id
        )
        self.assertEqual(other.sla_id, self.sla_default)

    def test_reply_by_in_the_past_is_refused(self):
        with self.assertRaises(ValidationError):
            self._complaint(reply_by=datetime(2026, 11, 20, 9, 0))
        self.assertFalse(
            self.env["cmr.complaint"].search([("subject", "=", "The bill is wrong")])
        )
