from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .complaint_common import FRIDAY_4PM, CmrComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintEscalation(CmrComplaintCase):
    """Remind the owner before the deadline, escalate and flag breaches."""

    def _activities(self, complaint, user):
        """The activities created for ``user`` on it, done ones included."""
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "cmr.complaint"),
                    ("res_id", "=", complaint.id),
                    ("user_id", "=", user.id),
                ]
            )
        )

    def test_reminder_then_breach(self):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint(team_id=self.team.id)
            complaint.action_acknowledge()
        # Deadline Monday 11:00, reminder one hour before.
        self.assertEqual(complaint.reminder_date, datetime(2026, 11, 23, 10, 0))
        cron = self.env.ref("cmr_module.ir_cron_cmr_complaint_escalate")
        with freeze_time(datetime(2026, 11, 23, 9, 30)):
            cron.method_direct_trigger()
        self.assertFalse(complaint.reminded_deadline)
        self.assertFalse(self._activities(complaint, self.agent))
        with freeze_time(datetime(2026, 11, 23, 10, 15)):
            cron.method_direct_trigger()
            cron.method_direct_trigger()
        self.assertEqual(complaint.reminded_deadline, complaint.deadline)
        reminder = self._activities(complaint, self.agent)
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder.res_name, complaint.name)
        self.assertEqual(reminder.date_deadline.isoformat(), "2026-11-23")
        self.assertFalse(complaint.breached)
        with freeze_time(datetime(2026, 11, 23, 11, 5)):
            cron.method_direct_trigger()
        self.assertTrue(complaint.breached)
        self.assertEqual(complaint.breach_date, datetime(2026, 11, 23, 11, 5))
        self.assertEqual(complaint.breach_count, 1)
        # The team leader is told, once.
        self.assertEqual(len(self._activities(complaint, self.manager)), 1)
        with freeze_time(datetime(2026, 11, 23, 11, 35)):
            cron.method_direct_trigger()
        self.assertEqual(len(self._activities(complaint, self.manager)), 1)
        self.assertEqual(complaint.breach_count, 1)
        # The breach stays flagged after the answer and the closing; the
        # reminder and the escalation are done with the answer.
        self.assertEqual(
            complaint.activity_ids.activity_type_id,
            self.env.ref("cmr_module.mail_activity_type_cmr_complaint_reminder")
            | self.env.ref("cmr_module.mail_activity_type_cmr_complaint_breach"),
        )
        with freeze_time(datetime(2026, 11, 23, 12, 0)):
            complaint.resolution = "<p>Late, sorry</p>"
            complaint.action_answer()
            self.assertFalse(complaint.activity_ids)
            self.assertFalse(
                (
                    self._activities(complaint, self.agent)
                    | self._activities(complaint, self.manager)
                ).filtered("active")
            )
            complaint.action_confirm()
        self.assertTrue(complaint.breached)
        self.assertEqual(complaint.timeliness, 0.0)

    def test_reopened_complaint_is_reminded_and_escalated_again(self):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint(team_id=self.team.id)
            complaint.action_acknowledge()
        cron = self.env.ref("cmr_module.ir_cron_cmr_complaint_escalate")
        # Missed the first reply deadline (Monday 11:00), answered late.
        with freeze_time(datetime(2026, 11, 23, 11, 5)):
            cron.method_direct_trigger()
        with freeze_time(datetime(2026, 11, 23, 11, 30)):
            complaint.resolution = "<p>Refunded</p>"
            complaint.action_answer()
        self.assertEqual(complaint.breach_count, 1)
        # Reopened on Tuesday 9:00: a new deadline four business hours later.
        with freeze_time(datetime(2026, 11, 24, 9, 0)):
            complaint.action_reopen()
            cron.method_direct_trigger()
        self.assertEqual(complaint.deadline, datetime(2026, 11, 24, 14, 0))
        self.assertEqual(complaint.breach_count, 1)
        with freeze_time(datetime(2026, 11, 24, 13, 30)):
            cron.method_direct_trigger()
        self.assertEqual(complaint.reminded_deadline, datetime(2026, 11, 24, 14, 0))
        # (The first run came after the first deadline: no reminder then.)
        self.assertEqual(len(self._activities(complaint, self.agent)), 1)
        with freeze_time(datetime(2026, 11, 24, 14, 10)):
            cron.method_direct_trigger()
        self.assertEqual(complaint.breach_count, 2)
        self.assertEqual(complaint.escalated_deadline, datetime(2026, 11, 24, 14, 0))
        # The first breach date is kept; the leader is told a second time.
        self.assertEqual(complaint.breach_date, datetime(2026, 11, 23, 11, 5))
        self.assertEqual(len(self._activities(complaint, self.manager)), 2)

    def test_unowned_queue_breach_goes_to_the_policy_manager(self):
        with freeze_time(FRIDAY_4PM):
            complaint = self._unowned_complaint()
        cron = self.env.ref("cmr_module.ir_cron_cmr_complaint_escalate")
        with freeze_time(datetime(2026, 11, 20, 17, 1)):
            cron.method_direct_trigger()
        self.assertTrue(complaint.breached)
        self.assertEqual(len(self._activities(complaint, self.manager)), 1)

    def _count_escalation_queries(self, size):
        # Complaints of other data (e.g. the demo) are escalated first.
        with freeze_time(datetime(2026, 11, 24, 9, 0)):
            self.env["cmr.complaint"]._cron_escalate()
        with freeze_time(FRIDAY_4PM):
            complaints = self.env["cmr.complaint"]
            for index in range(size):
                complaints |= self._complaint(subject=f"Batch {index}")
        self.env.flush_all()
        self.env.invalidate_all()
        with freeze_time(datetime(2026, 11, 24, 9, 0)):
            before = self.env.cr.sql_log_count
            result = self.env["cmr.complaint"]._cron_escalate()
            self.env.flush_all()
            queries = self.env.cr.sql_log_count - before
        self.assertEqual(result["breached"], size)
        return queries

    def test_escalation_does_not_query_per_complaint(self):
        small = self._count_escalation_queries(2)
        large = self._count_escalation_queries(12)
        self.assertLessEqual(large, small + 2, (small, large))
