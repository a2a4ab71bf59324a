from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT


class CmrTimelineCase(TransactionCase):
    """Wang Ming of the demo (charter, consents, tiers, points, invoices,
    payments, complaints, an adopted suggestion) with, added here, a sales
    order, a draft quotation, contacts made and refused, a complaint step,
    a message from him and an internal note about him; and Li Na, another
    customer with events of her own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        ref = cls.env.ref
        cls.Timeline = cls.env["cmr.timeline"]
        cls.customer = ref("cmr_module.cmr_partner_wang_ming")
        cls.other = ref("cmr_module.cmr_partner_li_na")
        cls.portal_user = ref("cmr_module.cmr_user_portal_wang_ming")
        cls.wechat = ref("cmr_module.cmr_channel_wechat")
        cls.sms = ref("cmr_module.cmr_channel_sms")
        cls.agent = new_test_user(
            cls.env,
            login="timeline_agent",
            groups="cmr_module.group_cmr_user",
            name="Timeline Agent",
        )
        cls.manager = new_test_user(
            cls.env,
            login="timeline_manager",
            groups="cmr_module.group_cmr_manager,sales_team.group_sale_salesman_all_leads,"
            "account.group_account_invoice",
            name="Timeline Manager",
        )
        cls.employee = new_test_user(
            cls.env,
            login="timeline_employee",
            groups="base.group_user",
            name="Plain Employee",
        )
        product = cls.env["product.product"].create(
            {"name": "Stamp album", "list_price": 30}
        )
        order_values = {
            "partner_id": cls.customer.id,
            "order_line": [
                Command.create({"product_id": product.id, "product_uom_qty": 1})
            ],
        }
        cls.order = cls.env["sale.order"].create(order_values)
        cls.order.action_confirm()
        cls.quotation = cls.env["sale.order"].create(order_values)
        now = fields.Datetime.now()
        Contact = cls.env["cmr.contact"]
        cls.contact_made = Contact.create(
            {
                "partner_id": cls.customer.id,
                "channel_id": cls.wechat.id,
                "subject": "New catalogue",
                "date": now - timedelta(hours=1),
                "state": "sent",
            }
        )
        cls.contact_refused = Contact.create(
            {
                "partner_id": cls.customer.id,
                "channel_id": cls.sms.id,
                "subject": "Flash sale",
                "state": "refused",
                "refusal_reason": "channel_refused",
                "date": now - timedelta(hours=2),
            }
        )
        complaint = cls.env["cmr.complaint"].search(
            [("partner_id", "=", cls.customer.id)], limit=1
        )
        complaint.with_context(tracking_disable=False, mail_notrack=False)._set_state(
            "in_progress"
        )
        # Tracking values are written when the transaction commits.
        cls.env.cr.precommit.run()
        cls.complaint = complaint
        cls.customer.with_context(mail_create_nosubscribe=True).message_post(
            body="Thank you for the album!",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=cls.customer.id,
        )
        cls.customer.message_post(
            body="Prefers evening deliveries; margin on albums is thin.",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        # Li Na's own events, never on Wang Ming's timeline.
        Contact.create(
            {
                "partner_id": cls.other.id,
                "channel_id": cls.wechat.id,
                "subject": "Li Na only",
                "state": "sent",
            }
        )
        cls._care_fixture()

    @classmethod
    def _care_fixture(cls):
        """Wang Ming's care: the demo's done visit (its notes say "Detector
        battery replaced."), a visit requested, one scheduled, one cancelled
        (internal notes on each), a gift given (its cost is internal) and a
        gift only proposed; Li Na's own visit."""
        ref = cls.env.ref
        Visit = cls.env["cmr.care.visit"].with_context(cmr_care_allocated=True)
        service = ref("cmr_module.cmr_care_service_safety_inspection")
        cls.care_agent = ref("cmr_module.cmr_user_care_zhou")
        cls.visit_done = ref("cmr_module.cmr_care_visit_wang_ming_done")
        values = {
            "partner_id": cls.customer.id,
            "service_id": service.id,
            # Assigned to the agent of the tests: they read them.
            "user_id": cls.agent.id,
            "notes": "Gate code 4711, dog in the yard",
        }
        cls.visit_requested, cls.visit_scheduled, cls.visit_cancelled = Visit.create(
            [values, values, values]
        )
        cls.visit_scheduled._set_state("scheduled")
        cls.visit_cancelled._set_state("cancelled", reason="Away on holiday")
        cls.other_visit = Visit.create(
            {
                "partner_id": cls.other.id,
                "service_id": service.id,
                "notes": "Li Na care secret",
            }
        )
        Gift = cls.env["cmr.care.gift"]
        cls.gift = Gift.create(
            {
                "partner_id": cls.customer.id,
                "product_id": ref("cmr_module.cmr_product_gift_stamps").id,
                "note": "Bought at a discount",
            }
        )
        cls.gift._set_state("confirmed", value=87.13, date=fields.Date.today())
        cls.gift_proposed = Gift.create(
            {
                "partner_id": cls.customer.id,
                "product_id": ref("cmr_module.cmr_product_gift_crystal").id,
            }
        )

    def all_events(self, partner=None, user=None, page_size=50, **filters):
        """Every event of the customer, page after page."""
        Timeline = self.Timeline.with_user(user) if user else self.Timeline
        events, cursor = [], None
        while True:
            page = Timeline._page(
                partner or self.customer, limit=page_size, cursor=cursor, **filters
            )
            events += page["events"]
            cursor = page["next"]
            if not cursor:
                return events
