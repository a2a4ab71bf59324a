from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import CHATTER_FIELDS, RECORD_FIELDS, readable_fields
from .complaint_common import FRIDAY_4PM, CmrComplaintCase

# What a portal user may read of each complaint model it has access to: what
# the portal shows (as the customer, or as superuser on the complaint's page)
# and the mixins' portal and chatter fields. Anything else needs groups=.
PORTAL_READABLE = {
    "cmr.complaint": {
        # Shown on the portal pages
        "name",
        "subject",
        "state",
        "date_received",
        "user_id",
        "reply_channel_id",
        "reply_by",
        "reply_deadline",
        "description",
        "category_id",
        "sale_order_id",
        "invoice_id",
        # The desk's list decoration: always off for the portal
        "show_breached",
        # The customer, their company (the portal's scope) and the company
        # that answers (portal rules, layout)
        "partner_id",
        "commercial_partner_id",
        "company_id",
        # Standard and mixins (portal.mixin, mail.thread, mail.activity.mixin,
        # rating.mixin)
        *RECORD_FIELDS,
        *CHATTER_FIELDS,
        "access_token",
        "access_url",
        "access_warning",
        "activity_exception_decoration",
        "activity_exception_icon",
        "activity_type_icon",
        "rating_count",
        "rating_percentage_satisfaction",
    },
    "cmr.complaint.category": {
        # The filing form's choices, in their order
        "name",
        "sequence",
        "active",
        "company_id",
        "id",
        "display_name",
        "create_date",
        "create_uid",
        "write_date",
        "write_uid",
    },
}


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY_4PM)
class TestComplaintAccessHardening(CmrComplaintCase):
    """Who may change a complaint, what the portal may read of it, and what
    nobody may write into it."""

    def _unowned(self, **values):
        return (
            self.env["cmr.complaint"]
            .with_context(cmr_complaint_unowned=True)
            .create(
                {
                    "subject": "Queue complaint",
                    "partner_id": self.customer.id,
                    "reply_channel_id": self.wechat.id,
                    "channel_received": "portal",
                    **values,
                }
            )
        )

    # ------------------------------------------------------------------
    # Read is not write
    # ------------------------------------------------------------------
    def test_agent_reads_the_queue_but_takes_a_complaint_to_change_it(self):
        complaint = self._unowned()
        other = self.env["res.partner"].create({"name": "Someone else"})
        as_agent = complaint.with_user(self.agent2)
        self.assertEqual(as_agent.subject, "Queue complaint")
        with self.assertRaises(AccessError):
            as_agent.write({"partner_id": other.id})
        with self.assertRaises(AccessError):
            as_agent.write({"subject": "Changed by a bystander"})
        # Taking it (acknowledge) makes it theirs to work on.
        as_agent.action_acknowledge()
        as_agent.write({"subject": "Queue complaint, taken"})
        self.assertEqual(complaint.user_id, self.agent2)
        # Managers may still correct any complaint.
        complaint.with_user(self.manager).write({"priority": "1"})

    def test_form_is_read_only_for_who_only_reads(self):
        complaint = self._unowned()
        self.assertFalse(complaint.with_user(self.agent2).can_edit)
        complaint.with_user(self.agent2).action_acknowledge()
        complaint.invalidate_recordset(["can_edit"])
        self.assertTrue(complaint.with_user(self.agent2).can_edit)
        self.assertTrue(complaint.with_user(self.manager).can_edit)
        # The form's fields say so: read-only unless the user may write.
        arch = (
            self.env["cmr.complaint"]
            .with_user(self.agent)
            .get_view(self.env.ref("cmr_module.cmr_complaint_view_form").id)["arch"]
        )
        self.assertIn('name="subject" readonly="not can_edit"', arch)

    def test_breached_decoration_without_the_breach(self):
        complaint = self._complaint()
        complaint._workflow_write({"breached": True})
        self.assertTrue(complaint.with_user(self.agent).show_breached)
        portal = new_test_user(
            self.env,
            login="cmr_cah_deco",
            groups="base.group_portal",
            partner_id=self.customer.id,
        )
        self.assertFalse(complaint.with_user(portal).show_breached)

    def test_offered_agent_cannot_edit_before_accepting(self):
        complaint = self._complaint()
        complaint.action_acknowledge()
        handover = (
            self.env["cmr.complaint.handover"]
            .with_user(self.agent)
            .create(
                {
                    "complaint_id": complaint.id,
                    "to_user_id": self.agent2.id,
                    "reason": "Holidays",
                }
            )
        )
        offered = complaint.with_user(self.agent2)
        self.assertEqual(offered.subject, "The bill is wrong")
        with self.assertRaises(AccessError):
            offered.write({"subject": "Edited before accepting"})
        handover.with_user(self.agent2).action_accept()
        offered.write({"subject": "Edited after accepting"})
        self.assertEqual(complaint.subject, "Edited after accepting")

    def test_outsider_agent_cannot_add_compensation_to_a_foreign_complaint(self):
        complaint = self._complaint()
        with self.assertRaises(AccessError):
            self.env["cmr.complaint.compensation"].with_user(self.agent2).create(
                {
                    "complaint_id": complaint.id,
                    "kind": "gift",
                    "description": "A gift for a stranger",
                }
            )

    # ------------------------------------------------------------------
    # What the portal reads over RPC
    # ------------------------------------------------------------------
    def test_portal_reads_only_what_the_portal_shows(self):
        portal = new_test_user(
            self.env, login="cmr_cah_portal", groups="base.group_portal"
        )
        models = (
            self.env["ir.model.access"]
            .search(
                [
                    ("group_id", "=", self.env.ref("base.group_portal").id),
                    ("perm_read", "=", True),
                    ("model_id.model", "=like", "cmr.complaint%"),
                ]
            )
            .model_id.mapped("model")
        )
        self.assertEqual(set(models), set(PORTAL_READABLE))
        for model in models:
            readable = readable_fields(self.env[model], portal)
            self.assertEqual(
                readable - PORTAL_READABLE[model],
                set(),
                f"{model}: the portal can read these fields; show them in the "
                "portal and add them to PORTAL_READABLE, or give them groups=",
            )
        complaint = self._complaint(partner_id=portal.partner_id.id)
        for field in ("priority", "sla_id", "deadline", "breached", "team_id"):
            with self.assertRaises(AccessError, msg=field):
                complaint.with_user(portal).read([field])
        # What the portal list reads as the customer stays readable.
        mine = (
            self.env["cmr.complaint"]
            .with_user(portal)
            .search([], order="date_received desc, id desc")
        )
        self.assertEqual(mine, complaint)
        mine.read(["name", "subject", "date_received", "reply_deadline", "state"])

    # ------------------------------------------------------------------
    # Bounds, whatever the client (RPC as the agent)
    # ------------------------------------------------------------------
    def test_texts_and_numbers_are_bounded(self):
        complaint = self._complaint()
        huge = "x" * (1024 * 1024)
        for values in (
            {"subject": huge},
            {"subject": "Nul\x00byte"},
            {"description": f"<p>{huge}</p>"},
            {"resolution": f"<p>{'y' * 30000}</p>"},
            {"root_cause": "z" * 6000},
        ):
            with self.assertRaises(ValidationError, msg=str(values)[:40]):
                complaint.write(values)
        with self.assertRaises(ValidationError):
            self._complaint(subject="s" * 300)
        with self.assertRaises(ValidationError):
            self._complaint(name="CMP/" + "9" * 300)
        Compensation = self.env["cmr.complaint.compensation"].with_user(self.agent)
        for values in (
            {"amount": 10**12},
            {"amount": -5},
            {"description": "d" * 300},
            {"description": "\x00"},
        ):
            with self.assertRaises(ValidationError, msg=str(values)):
                Compensation.create(
                    {
                        "complaint_id": complaint.id,
                        "kind": "gift",
                        "description": "Flowers",
                        "amount": 10,
                        **values,
                    }
                )
        admin = new_test_user(
            self.env, login="cmr_cah_admin", groups="cmr_module.group_cmr_admin"
        )
        with self.assertRaises(ValidationError):
            self.env["cmr.complaint.authority"].with_user(admin).create(
                {"user_id": self.agent.id, "max_amount": 10**15}
            )
        Sla = self.env["cmr.complaint.sla"].with_user(admin)
        for values in (
            {"resolution_hours": 10**9},
            {"reminder_hours": -1},
            {"auto_close_days": 10**6},
            {"sequence": 2**40},
            {"name": "n" * 300},
        ):
            with self.assertRaises(ValidationError, msg=str(values)):
                Sla.create({"name": "Bounded", **values})
        for values in ({"name": "c" * 300}, {"name": "Far", "sequence": 2**40}):
            with self.assertRaises(ValidationError, msg=str(values)):
                self.env["cmr.complaint.category"].with_user(admin).create(values)
        complaint.action_acknowledge()
        with self.assertRaises(ValidationError):
            self.env["cmr.complaint.handover"].with_user(self.agent).create(
                {
                    "complaint_id": complaint.id,
                    "to_user_id": self.agent2.id,
                    "reason": "r" * 6000,
                }
            )

    def test_replies_are_bounded(self):
        complaint = self._complaint()
        messages = len(complaint.message_ids)
        portal = new_test_user(
            self.env,
            login="cmr_cah_writer",
            groups="base.group_portal",
            partner_id=self.customer.id,
        )
        for message in ("m" * 6000, "nul\x00"):
            with self.assertRaises(UserError):
                complaint.with_user(portal).sudo().message_post(
                    body=message,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
        self.assertEqual(len(complaint.message_ids), messages)
