from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .complaint_common import FRIDAY_4PM, CmrComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintIntegrity(CmrComplaintCase):
    """What a client sends cannot move the owner, the stage, the deadlines or
    a compensation; the workflow keeps its own records honest."""

    def test_client_context_does_not_unlock_workflow_fields(self):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint()
            complaint.action_acknowledge()
        # A context is what any client can send: it opens nothing.
        as_agent = complaint.with_context(cmr_workflow=True)
        for vals in (
            {"user_id": False},
            {"state": "closed"},
            {"breached": False},
            {"breach_count": 0},
            {"timeliness": 100.0},
            {"reply_deadline": datetime(2027, 1, 1)},
        ):
            with self.assertRaises(UserError, msg=vals):
                as_agent.write(vals)
        # Acknowledged: its deadlines count from a reception date now fixed.
        with self.assertRaises(UserError):
            complaint.write({"date_received": FRIDAY_4PM + timedelta(days=2)})
        self.assertEqual(complaint.date_received, FRIDAY_4PM)
        self.assertEqual(complaint.user_id, self.agent)
        self.assertEqual(complaint.state, "acknowledged")

    def test_handover_cannot_be_redirected(self):
        with freeze_time(FRIDAY_4PM):
            mine = self._complaint(subject="Mine")
            theirs = self._complaint(user=self.agent2, subject="Theirs")
        handover = (
            self.env["cmr.complaint.handover"]
            .with_user(self.agent)
            .create(
                {
                    "complaint_id": mine.id,
                    "to_user_id": self.agent2.id,
                    "reason": "Holiday",
                    "from_user_id": self.manager.id,
                }
            )
        )
        # Who asked is who is logged in.
        self.assertEqual(handover.from_user_id, self.agent)
        # Nobody re-aims a request at another complaint or another user.
        for vals in (
            {"complaint_id": theirs.id},
            {"to_user_id": self.manager.id},
            {"state": "accepted"},
        ):
            with self.assertRaises(UserError, msg=vals):
                handover.with_user(self.agent2).with_context(cmr_workflow=True).write(
                    vals
                )
        # Another agent does not even see the request.
        outsider_agent = new_test_user(
            self.env,
            login="cmr_cp_integrity_agent",
            groups="cmr_module.group_cmr_user",
            name="Third Agent",
        )
        self.assertFalse(
            self.env["cmr.complaint.handover"]
            .with_user(outsider_agent)
            .search([("id", "=", handover.id)])
        )
        handover.with_user(self.agent2).action_accept()
        self.assertEqual(mine.sudo().user_id, self.agent2)
        self.assertEqual(theirs.sudo().user_id, self.agent2)
        self.assertFalse(theirs.sudo().handover_ids)

    def test_compensation_starts_as_a_draft(self):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint()
        Compensation = self.env["cmr.complaint.compensation"].with_user(self.agent)
        for vals in (
            {"state": "granted"},
            {"approved_by_id": self.manager.id},
        ):
            with self.assertRaises(UserError, msg=vals):
                Compensation.create(
                    {
                        "complaint_id": complaint.id,
                        "kind": "gift",
                        "description": "Big gift",
                        "amount": 100000,
                        **vals,
                    }
                )
        line = Compensation.create(
            {
                "complaint_id": complaint.id,
                "kind": "gift",
                "description": "Big gift",
                "amount": 100000,
                "requested_by_id": self.manager.id,
            }
        )
        self.assertEqual(line.requested_by_id, self.agent)
        with self.assertRaises(UserError):
            line.with_context(cmr_workflow=True).write({"state": "granted"})
        self.assertEqual(line.state, "draft")
        # An agent who does not handle the complaint sees none of it.
        self.assertFalse(
            self.env["cmr.complaint.compensation"]
            .with_user(self.agent2)
            .search([("id", "=", line.id)])
        )

    def test_late_answer_between_runs_is_a_breach(self):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint()
            complaint.action_acknowledge()
        # Deadline Monday 11:00; answered at 11:05, before any run saw it.
        with freeze_time(datetime(2026, 11, 23, 11, 5)):
            complaint.resolution = "<p>Refunded</p>"
            complaint.action_answer()
        self.assertTrue(complaint.breached)
        self.assertEqual(complaint.breach_count, 1)
        self.assertEqual(complaint.breach_date, datetime(2026, 11, 23, 11, 5))
        self.assertEqual(complaint.timeliness, 0.0)
        # The next run does not count it again.
        with freeze_time(datetime(2026, 11, 23, 11, 20)):
            self.env["cmr.complaint"]._cron_escalate()
        self.assertEqual(complaint.breach_count, 1)

    def test_reopened_deadline_survives_later_changes(self):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint()
            complaint.action_acknowledge()
        with freeze_time(datetime(2026, 11, 23, 10, 0)):
            complaint.resolution = "<p>Refunded</p>"
            complaint.action_answer()
        with freeze_time(datetime(2026, 11, 24, 9, 0)):
            complaint.action_reopen()
            self.assertEqual(complaint.reply_deadline, datetime(2026, 11, 24, 14, 0))
            # A later change of category recomputes from the reopening,
            # not back to the first, passed deadline.
            complaint.category_id = self.attitude
            self.assertEqual(complaint.reply_deadline, datetime(2026, 11, 24, 14, 0))

    def test_unowned_breach_goes_to_a_company_manager(self):
        self.sla_default.escalation_user_id = False
        with freeze_time(FRIDAY_4PM):
            complaint = self._unowned_complaint()
        with freeze_time(datetime(2026, 11, 20, 17, 1)):
            self.env["cmr.complaint"]._cron_escalate()
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "cmr.complaint"), ("res_id", "=", complaint.id)]
        )
        self.assertEqual(len(activity), 1)
        self.assertTrue(
            activity.user_id.has_group("cmr_module.group_cmr_manager"), activity.user_id
        )
        self.assertFalse(activity.user_id.share)

    def test_portal_user_cannot_read_internal_fields(self):
        portal = new_test_user(
            self.env, login="cmr_cp_integrity_portal", groups="base.group_portal"
        )
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint(
                partner_id=portal.partner_id.id,
                root_cause="Meter misread by Li",
                concerned_user_id=self.agent2.id,
            )
        mine = complaint.with_user(portal)
        self.assertEqual(mine.read(["subject"])[0]["subject"], "The bill is wrong")
        for field in ("root_cause", "concerned_user_id", "resolution", "helper_ids"):
            with self.assertRaises(AccessError, msg=field):
                mine.read([field])

    def test_closing_by_an_agent_asks_for_the_rating(self):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint()
            complaint.action_acknowledge()
            complaint.resolution = "<p>Refunded</p>"
            complaint.action_answer()
            complaint.action_confirm()
        request = self.env["cmr.contact"].search(
            [("res_model", "=", "cmr.complaint"), ("res_id", "=", complaint.id)],
            order="id desc",
            limit=1,
        )
        self.assertIn("/rate/", request.body)
        self.assertEqual(request.channel_id, complaint.reply_channel_id)
        self.assertFalse(complaint._is_rated())
        with freeze_time(FRIDAY_4PM + timedelta(minutes=5)):
            complaint._rate(complaint.partner_id, 5)
        self.assertTrue(complaint._is_rated())
        # Reopened and closed again: rated anew.
        with freeze_time(FRIDAY_4PM + timedelta(days=1)):
            complaint.action_reopen()
            complaint.action_answer()
            complaint.action_confirm()
        self.assertFalse(complaint._is_rated())
