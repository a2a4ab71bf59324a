from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

from .common import CmrPortalCase

# Friday 20 November 2026, 16:00 UTC: two working hours left in the week.
FRIDAY_4PM = datetime(2026, 11, 20, 16, 0)


class CmrComplaintCase(TransactionCase):
    """Agents, a manager, customers in two tiers and service levels on a
    9-12 / 13-18 Monday-to-Friday schedule in UTC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.company = cls.env.company
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Complaint desk",
                "tz": "UTC",
                "company_id": cls.company.id,
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day} {period}",
                            "dayofweek": str(day),
                            "hour_from": hour_from,
                            "hour_to": hour_to,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for hour_from, hour_to, period in (
                        (9, 12, "morning"),
                        (13, 18, "afternoon"),
                    )
                ],
            }
        )
        cls.env["cmr.complaint.sla"].search([]).action_archive()
        cls.agent = new_test_user(
            cls.env,
            login="cmr_cp_agent",
            groups="cmr_module.group_cmr_user",
            name="Agent Li",
        )
        cls.agent2 = new_test_user(
            cls.env,
            login="cmr_cp_agent2",
            groups="cmr_module.group_cmr_user",
            name="Agent Zhao",
        )
        cls.manager = new_test_user(
            cls.env,
            login="cmr_cp_manager",
            groups="cmr_module.group_cmr_manager",
            name="Manager Chen",
        )
        cls.outsider = new_test_user(
            cls.env, login="cmr_cp_outsider", groups="base.group_user", name="Outsider"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Complaint desk", "user_id": cls.manager.id}
        )
        cls.wechat = cls.env.ref("cmr_module.cmr_channel_wechat")
        cls.email = cls.env.ref("cmr_module.cmr_channel_email")
        cls.billing = cls.env.ref("cmr_module.cmr_complaint_category_billing")
        cls.attitude = cls.env.ref("cmr_module.cmr_complaint_category_attitude")
        cls.ladder = cls.env["cmr.tier.ladder"].create(
            {
                "name": "Complaint ladder",
                "company_id": cls.company.id,
                "active": False,
                "tier_ids": [
                    Command.create({"name": "Gold", "sequence": 1, "bound": 80}),
                    Command.create({"name": "Plain", "sequence": 2, "bound": 0}),
                ],
                "criterion_ids": [
                    Command.create({"kind": "revenue", "weight": 100, "target": 1000})
                ],
            }
        )
        cls.ladder.action_use_ladder()
        cls.gold, cls.plain = cls.ladder._ordered_tiers()
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {"name": "Wang Ming", "email": "wang@example.com", "lang": "en_US"}
        )
        cls.gold_customer = Partner.create(
            {"name": "Gold Customer", "email": "gold@example.com", "lang": "en_US"}
        )
        cls.env["cmr.partner.tier"].create(
            {
                "partner_id": cls.gold_customer.id,
                "ladder_id": cls.ladder.id,
                "company_id": cls.company.id,
                "tier_id": cls.gold.id,
                "score": 90,
            }
        )
        Sla = cls.env["cmr.complaint.sla"]
        cls.sla_default = Sla.create(
            {
                "name": "Default",
                "sequence": 100,
                "first_response_hours": 1,
                "resolution_hours": 4,
                "reminder_hours": 1,
                "auto_close_days": 3,
                "calendar_id": cls.calendar.id,
                "escalation_user_id": cls.manager.id,
            }
        )
        cls.sla_gold_billing = Sla.create(
            {
                "name": "Gold wrong bills",
                "tier_id": cls.gold.id,
                "category_id": cls.billing.id,
                "first_response_hours": 0.5,
                "resolution_hours": 2,
                "reminder_hours": 1,
                "auto_close_days": 3,
                "calendar_id": cls.calendar.id,
            }
        )

    def _unowned_complaint(self):
        """An e-mail complaint of the customer, received on a Friday at 4 pm,
        that no agent took."""
        return (
            self.env["cmr.complaint"]
            .with_context(cmr_complaint_unowned=True)
            .create(
                {
                    "subject": "Nobody took it",
                    "partner_id": self.customer.id,
                    "channel_received": "email",
                    "reply_channel_id": self.email.id,
                    "date_received": FRIDAY_4PM,
                }
            )
        )

    @classmethod
    def _complaint(cls, user=None, **values):
        vals = {
            "subject": "The bill is wrong",
            "partner_id": cls.customer.id,
            "reply_channel_id": cls.wechat.id,
            "category_id": cls.billing.id,
            "factor_type": "value",
            "date_received": FRIDAY_4PM,
            **values,
        }
        return (
            cls.env["cmr.complaint"]
            .with_user(user or cls.agent)
            .create(vals)
            .with_user(user or cls.agent)
        )


class CmrComplaintPortalCase(CmrPortalCase):
    """The complaint portal's HttpCase fixture: the two portal customers of
    ``CmrPortalCase``, an agent, a reply-by time to come, the page's CSRF
    token and a post in the complaint's chatter, as Odoo's portal chatter
    sends it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(
            cls.env,
            login="cmr_complaint_portal_agent",
            groups="cmr_module.group_cmr_user",
            name="Agent Sun",
        )
        cls.tomorrow = (fields.Datetime.now() + timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M"
        )

    def _complaint(self, partner, state="new"):
        """A complaint of ``partner`` brought to ``state`` by the agent."""
        complaint = (
            self.env["cmr.complaint"]
            .with_context(cmr_complaint_unowned=True)
            .create(
                {
                    "subject": "Wrong bill",
                    "partner_id": partner.id,
                    "channel_received": "portal",
                    "reply_channel_id": self.wechat.id,
                }
            )
        )
        if state == "new":
            return complaint
        as_agent = complaint.with_user(self.agent)
        as_agent.action_acknowledge()
        as_agent.resolution = "<p>Refunded</p>"
        as_agent.action_answer()
        if state == "closed":
            as_agent.action_confirm()
        return complaint

    def login_agent(self):
        self.authenticate(self.agent.login, self.agent.login)

    def csrf_token(self, url="/my/complaints/new"):
        return super().csrf_token(url)

    def chatter_post(self, complaint, body, token=None):
        """Post ``body`` on ``complaint`` through ``/mail/message/post``;
        returns the JSON-RPC result, or raises JsonRpcException."""
        params = {
            "thread_model": complaint._name,
            "thread_id": complaint.id,
            "post_data": {
                "body": body,
                "message_type": "comment",
                "subtype_xmlid": "mail.mt_comment",
            },
        }
        if token:
            params["token"] = token
        return self.make_jsonrpc_request("/mail/message/post", params)
