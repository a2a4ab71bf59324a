from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .complaint_common import FRIDAY_4PM, CmrComplaintCase


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY_4PM)
class TestComplaintOwnership(CmrComplaintCase):
    """首问负责: the first responder owns the complaint until it is closed."""

    def test_recorder_owns_and_owner_cannot_be_cleared(self):
        complaint = self._complaint()
        self.assertEqual(complaint.user_id, self.agent)
        self.assertTrue(complaint.name.startswith("CMP/"))
        with self.assertRaises(UserError):
            complaint.write({"user_id": False})
        with self.assertRaises(UserError):
            complaint.with_user(self.manager).write({"user_id": self.agent2.id})
        with self.assertRaises(UserError):
            complaint.sudo().write({"user_id": False})
        self.assertEqual(complaint.user_id, self.agent)

    def test_stage_only_through_actions(self):
        complaint = self._complaint()
        with self.assertRaises(UserError):
            complaint.write({"state": "closed"})
        with self.assertRaises(UserError):
            complaint.unlink()

    def test_unowned_intake_is_owned_by_first_acknowledger(self):
        complaint = (
            self.env["cmr.complaint"]
            .with_context(cmr_complaint_unowned=True)
            .create(
                {
                    "subject": "Filed in the portal",
                    "partner_id": self.customer.id,
                    "channel_received": "portal",
                    "reply_channel_id": self.email.id,
                    "date_received": FRIDAY_4PM,
                }
            )
        )
        self.assertFalse(complaint.user_id)
        # The unowned queue has its own deadline: the first response one.
        self.assertEqual(complaint.deadline, complaint.ack_deadline)
        # Every agent sees the queue.
        Complaint = self.env["cmr.complaint"].with_user(self.agent2)
        self.assertIn(complaint, Complaint.search([("user_id", "=", False)]))
        with self.assertRaises(AccessError):
            complaint.with_user(self.outsider).action_acknowledge()
        complaint.with_user(self.agent2).action_acknowledge()
        self.assertEqual(complaint.user_id, self.agent2)
        self.assertEqual(complaint.state, "acknowledged")
        self.assertEqual(complaint.deadline, complaint.reply_deadline)

    def test_handover_needs_acceptance(self):
        complaint = self._complaint()
        complaint.action_acknowledge()
        Handover = self.env["cmr.complaint.handover"].with_user(self.agent)
        handover = Handover.create(
            {
                "complaint_id": complaint.id,
                "to_user_id": self.agent2.id,
                "reason": "Zhao handles billing",
            }
        )
        # Nothing moves until the new owner accepts.
        self.assertEqual(complaint.user_id, self.agent)
        self.assertEqual(complaint.handover_user_id, self.agent2)
        # The offered owner sees it; only they can accept.
        self.assertTrue(complaint.with_user(self.agent2).read(["name"]))
        with self.assertRaises(AccessError):
            handover.with_user(self.agent).action_accept()
        contacts_before = self.env["cmr.contact"].search_count(
            [("res_model", "=", "cmr.complaint"), ("res_id", "=", complaint.id)]
        )
        handover.with_user(self.agent2).action_accept()
        complaint = complaint.sudo()
        self.assertEqual(handover.state, "accepted")
        self.assertEqual(complaint.user_id, self.agent2)
        self.assertFalse(complaint.handover_user_id)
        # The customer is told who owns it now: in the portal thread and
        # through the contact gate.
        self.assertTrue(
            complaint.message_ids.filtered(
                lambda m: (
                    "Agent Zhao now owns" in (m.body or "")
                    and m.subtype_id == self.env.ref("mail.mt_comment")
                )
            )
        )
        self.assertEqual(
            self.env["cmr.contact"].search_count(
                [("res_model", "=", "cmr.complaint"), ("res_id", "=", complaint.id)]
            ),
            contacts_before + 1,
        )
        # The former owner no longer sees it (not a helper).
        self.assertFalse(
            self.env["cmr.complaint"]
            .with_user(self.agent)
            .search([("id", "=", complaint.id)])
        )

    def test_handover_refused_keeps_owner(self):
        complaint = self._complaint()
        handover = (
            self.env["cmr.complaint.handover"]
            .with_user(self.agent)
            .create(
                {
                    "complaint_id": complaint.id,
                    "to_user_id": self.agent2.id,
                    "reason": "Busy",
                }
            )
        )
        handover.with_user(self.agent2).action_refuse()
        self.assertEqual(complaint.user_id, self.agent)
        self.assertEqual(handover.state, "refused")
        self.assertFalse(complaint.handover_user_id)
        with self.assertRaises(UserError):
            handover.with_user(self.agent2).action_accept()

    def test_bad_handovers(self):
        complaint = self._complaint()
        Handover = self.env["cmr.complaint.handover"].with_user(self.agent)
        with self.assertRaises(ValidationError):
            Handover.create(
                {
                    "complaint_id": complaint.id,
                    "to_user_id": self.agent.id,
                    "reason": "x",
                }
            )
        with self.assertRaises(ValidationError):
            Handover.create(
                {
                    "complaint_id": complaint.id,
                    "to_user_id": self.outsider.id,
                    "reason": "x",
                }
            )
        # A helper may not hand over what they do not own.
        complaint.sudo().helper_ids = self.agent2
        with self.assertRaises(AccessError):
            self.env["cmr.complaint.handover"].with_user(self.agent2).create(
                {
                    "complaint_id": complaint.id,
                    "to_user_id": self.manager.id,
                    "reason": "x",
                }
            )
        self.assertFalse(complaint.handover_ids)

    def test_helpers_see_and_work_owner_stays(self):
        complaint = self._complaint()
        complaint.write({"helper_ids": [(4, self.agent2.id)]})
        as_helper = complaint.with_user(self.agent2)
        as_helper.action_acknowledge()
        as_helper.action_start()
        self.assertEqual(complaint.state, "in_progress")
        self.assertEqual(complaint.user_id, self.agent)
