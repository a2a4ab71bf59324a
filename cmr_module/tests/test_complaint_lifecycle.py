from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .complaint_common import FRIDAY_4PM, CmrComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintLifecycle(CmrComplaintCase):
    """new → acknowledged → in progress → answered → closed / reopened."""

    def _answered(self, **values):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint(**values)
            complaint.action_acknowledge()
            complaint.action_start()
            complaint.resolution = "<p>We refund the overcharge.</p>"
            complaint.action_answer()
        return complaint

    def test_answer_goes_out_on_the_chosen_channel_even_if_refused(self):
        # Wang Ming's charter accepts e-mail only, but he asked for WeChat.
        self.customer.cmr_channel_pref_ids = [
            Command.create({"channel_id": self.email.id, "sequence": 1})
        ]
        with freeze_time(FRIDAY_4PM):
            self.assertFalse(
                self.customer.cmr_check_contact(self.wechat)[self.customer.id][
                    "allowed"
                ]
            )
        complaint = self._answered(reply_by=datetime(2026, 11, 20, 18, 0))
        self.assertEqual(complaint.state, "answered")
        self.assertEqual(complaint.timeliness, 100.0)
        contact = self.env["cmr.contact"].search(
            [("res_model", "=", "cmr.complaint"), ("res_id", "=", complaint.id)]
        )
        self.assertEqual(contact.channel_id, self.wechat)
        self.assertEqual(contact.state, "to_deliver")
        self.assertFalse(contact.refusal_reason)

    def test_answer_needs_resolution_and_owner(self):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint()
            complaint.action_acknowledge()
            with self.assertRaises(UserError):
                complaint.action_answer()
            complaint.sudo().resolution = "<p>Done</p>"
            with self.assertRaises(AccessError):
                complaint.with_user(self.agent2).action_answer()

    def test_late_answer_counts_as_late(self):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint()
            complaint.action_acknowledge()
            complaint.resolution = "<p>Sorry</p>"
        with freeze_time(datetime(2026, 11, 24, 10, 0)):
            complaint.action_answer()
        self.assertEqual(complaint.timeliness, 0.0)

    def test_confirm_then_rate(self):
        complaint = self._answered()
        complaint.action_confirm()
        self.assertEqual(complaint.state, "closed")
        self.assertFalse(complaint.deadline)
        with self.assertRaises(UserError):
            complaint._rate(complaint.partner_id, 9)
        complaint._rate(complaint.partner_id, 5, "Quick and kind")
        self.assertEqual(complaint.rating_last_value, 5)
        self.assertEqual(complaint.rating_ids.feedback, "Quick and kind")
        self.assertEqual(complaint.rating_ids.rated_partner_id, self.agent.partner_id)

    def test_rating_only_when_closed(self):
        complaint = self._answered()
        with self.assertRaises(UserError):
            complaint._rate(complaint.partner_id, 5)

    def test_reopen_gives_a_new_deadline(self):
        complaint = self._answered()
        with freeze_time(datetime(2026, 11, 23, 9, 0)):
            complaint.action_reopen()
        self.assertEqual(complaint.state, "reopened")
        self.assertEqual(complaint.reopen_count, 1)
        # One definition of the reopen rate: the report's.
        self.env.flush_all()
        report = self.env["cmr.complaint.report"].search(
            [("complaint_id", "=", complaint.id)]
        )
        self.assertEqual(report.reopen_rate, 100.0)
        self.assertEqual(complaint.reply_deadline, datetime(2026, 11, 23, 14, 0))
        self.assertEqual(complaint.deadline, complaint.reply_deadline)
        with freeze_time(datetime(2026, 11, 23, 10, 0)):
            complaint.action_answer()
            complaint.action_confirm()
            complaint.action_reopen()
        self.assertEqual(complaint.reopen_count, 2)

    def test_auto_close_after_the_configured_days(self):
        complaint = self._answered()
        recent = self._answered(subject="Still waiting")
        recent.sudo().with_context(cmr_workflow=True).answer_date = datetime(
            2026, 11, 22, 12, 0
        )
        cron = self.env.ref("cmr_module.ir_cron_cmr_complaint_auto_close")
        with freeze_time(FRIDAY_4PM + timedelta(days=3, minutes=1)):
            cron.method_direct_trigger()
        self.assertEqual(complaint.state, "closed")
        self.assertEqual(recent.state, "answered")
        self.assertIn("Closed automatically", complaint.message_ids[:1].body or "")

    def test_auto_close_does_not_query_per_complaint(self):
        def queries_to_close(count):
            customers = self.env["res.partner"].create(
                [{"name": f"Auto close {count}.{index}"} for index in range(count)]
            )
            for customer in customers:
                self._answered(partner_id=customer.id)
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time(FRIDAY_4PM + timedelta(days=3, minutes=1)):
                before = self.env.cr.sql_log_count
                closed = self.env["cmr.complaint"]._cron_auto_close()
                self.env.flush_all()
                queries = self.env.cr.sql_log_count - before
            self.assertEqual(len(closed), count)
            # Each customer is asked to rate, through the gate.
            self.assertEqual(
                self.env["cmr.contact"].search_count(
                    [
                        ("res_model", "=", "cmr.complaint"),
                        ("res_id", "in", closed.ids),
                        ("subject", "like", "How did we handle"),
                    ]
                ),
                count,
            )
            return queries

        small = queries_to_close(2)
        large = queries_to_close(8)
        self.assertLessEqual(large, small + 2, (small, large))
