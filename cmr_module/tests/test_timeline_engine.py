from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .timeline_common import CmrTimelineCase


@tagged("post_install", "-at_install")
class TestTimelineEngine(CmrTimelineCase):
    def test_every_source_appears(self):
        events = self.all_events(user=self.manager)
        kinds = {event["kind"] for event in events}
        for kind in (
            "sale_order",
            "quotation",
            "invoice",
            "payment",
            "contact_made",
            "contact_refused",
            "charter",
            "consent",
            "tier",
            "points_earn",
            "points_redeem",
            "complaint",
            "complaint_step",
            "suggestion",
            "suggestion_answer",
            "suggestion_decision",
            "message",
            "note",
            "care_request",
            "care_scheduled",
            "care_done",
            "care_cancelled",
            "care_gift",
        ):
            self.assertIn(kind, kinds)
        for event in events:
            for key in ("date", "kind_label", "channel_label", "who", "summary", "url"):
                self.assertIn(key, event)
        order = next(e for e in events if e["kind"] == "sale_order")
        self.assertEqual(order["url"], f"/odoo/sale.order/{self.order.id}")
        self.assertEqual(order["portal_url"], f"/my/orders/{self.order.id}")
        self.assertIn(self.order.name, order["summary"])
        done = next(e for e in events if e["kind"] == "care_done")
        self.assertEqual(done["res_id"], self.visit_done.id)
        self.assertEqual(done["who"], self.care_agent.name)
        self.assertIn(self.visit_done.service_id.name, done["summary"])
        self.assertEqual(done["date"], self.visit_done.done_date)
        self.assertEqual(done["portal_url"], f"/my/care/visits/{self.visit_done.id}")
        requested = next(
            e
            for e in events
            if e["kind"] == "care_request" and e["res_id"] == self.visit_done.id
        )
        self.assertLessEqual(requested["date"], self.visit_done.date_start)
        gifts = [e for e in events if e["kind"] == "care_gift"]
        self.assertEqual([e["res_id"] for e in gifts], [self.gift.id])
        self.assertIn("87.13", gifts[0]["summary"])
        self.assertEqual(gifts[0]["portal_url"], "/my/care")

    def test_care_events_keep_internal_fields_internal(self):
        """No care notes, outcome or cancellation reason on the timeline, no
        proposed gift, and no gift's cost on the customer's side."""
        staff = " ".join(e["summary"] for e in self.all_events(user=self.manager))
        customer = self.all_events(user=self.portal_user)
        text = " ".join(e["summary"] for e in customer)
        for secret in (
            "Gate code",
            "Detector battery",
            "Away on holiday",
            "Li Na care",
        ):
            self.assertNotIn(secret, staff)
            self.assertNotIn(secret, text)
        self.assertNotIn("Bought at a discount", staff)
        self.assertNotIn("87.13", text)
        self.assertIn(self.visit_cancelled.name, text)
        gifts = [e for e in customer if e["kind"] == "care_gift"]
        self.assertEqual(len(gifts), 1)
        self.assertIsNone(gifts[0]["amount"])
        self.assertNotIn(self.gift_proposed.id, [e["res_id"] for e in gifts])

    def test_newest_first_and_paging_without_gaps(self):
        """Many events on one moment: pages of 7 give every event once."""
        moment = fields.Datetime.now() - timedelta(days=3)
        self.env["cmr.contact"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "channel_id": self.wechat.id,
                    "subject": f"Same moment {index}",
                    "date": moment,
                    "state": "sent",
                }
                for index in range(30)
            ]
        )
        whole = self.all_events(page_size=500)
        paged = self.all_events(page_size=7)
        key = [(e["source"], e["key"]) for e in whole]
        self.assertEqual([(e["source"], e["key"]) for e in paged], key)
        self.assertEqual(len(set(key)), len(key))
        dates = [e["date"] for e in paged]
        self.assertEqual(dates, sorted(dates, reverse=True))

    def test_other_customer_never_shown(self):
        summaries = " ".join(e["summary"] for e in self.all_events())
        self.assertNotIn("Li Na only", summaries)

    def test_contacts_of_the_company_are_its_timeline(self):
        """A contact person's events are on their company's timeline."""
        huadong = self.env.ref("cmr_module.cmr_partner_huadong")
        person = self.env["res.partner"].create(
            {"name": "Buyer", "parent_id": huadong.id}
        )
        self.env["cmr.contact"].create(
            {
                "partner_id": person.id,
                "channel_id": self.wechat.id,
                "subject": "To the buyer",
                "state": "sent",
            }
        )
        self.assertIn(
            "To the buyer", " ".join(e["summary"] for e in self.all_events(huadong))
        )

    def test_customer_side_hides_internal_events(self):
        events = self.all_events(portal=True)
        kinds = {event["kind"] for event in events}
        self.assertFalse(kinds & {"note", "contact_refused", "quotation"})
        self.assertFalse(any(event["internal"] for event in events))
        text = " ".join(event["summary"] for event in events)
        self.assertNotIn("margin on albums", text)
        self.assertIn("Thank you for the album", text)
        self.assertIn("care_done", kinds)
        self.assertIn("care_gift", kinds)
        self.assertNotIn("Detector battery", text)
        self.assertNotIn("Gate code", text)
        self.assertNotIn("87.13", text)

    def test_portal_user_reads_only_own_timeline_without_internal(self):
        events = self.all_events(user=self.portal_user)
        self.assertTrue(events)
        self.assertFalse(any(event["internal"] for event in events))
        with self.assertRaises(AccessError):
            self.Timeline.with_user(self.portal_user)._page(self.other)
        with self.assertRaises(AccessError):
            self.Timeline.with_user(self.employee)._page(self.customer)

    def test_filters(self):
        events = self.all_events(kinds=["contact_made"], channels=["wechat"])
        self.assertTrue(events)
        self.assertEqual({e["kind"] for e in events}, {"contact_made"})
        start = fields.Datetime.now() - timedelta(minutes=90)
        events = self.all_events(
            kinds=["contact_made", "contact_refused"], date_from=start
        )
        self.assertIn("New catalogue", " ".join(e["summary"] for e in events))
        self.assertNotIn("Flash sale", " ".join(e["summary"] for e in events))

    def test_bad_cursor_refused(self):
        for value in ("x", "2026-01-01T00:00:00_1", "2026-13-45T00:00:00_1_2"):
            with self.assertRaises(ValidationError):
                self.Timeline.parse_cursor(value)
        cursor = (fields.Datetime.now(), 30, 12)
        self.assertEqual(
            self.Timeline.parse_cursor(self.Timeline.format_cursor(cursor)), cursor
        )

    def test_query_count_does_not_grow_with_events(self):
        def count_page():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            page = self.Timeline.with_user(self.manager)._page(self.customer, limit=40)
            return self.env.cr.sql_log_count - before, len(page["events"])

        def add_contacts(count):
            self.env["cmr.contact"].create(
                [
                    {
                        "partner_id": self.customer.id,
                        "channel_id": self.wechat.id,
                        "subject": f"Bulk {index}",
                        "state": "sent",
                    }
                    for index in range(count)
                ]
            )

        add_contacts(50)
        count_page()
        few, shown = count_page()
        add_contacts(1000)
        count_page()
        many, shown_many = count_page()
        self.assertEqual((shown, shown_many), (40, 40))
        # The page of 20 times more events costs no more queries (fewer when
        # it holds fewer models: one access check per model on the page).
        self.assertLessEqual(many, few)
        # One statement per source, one access check per model on the page,
        # at most one access check per source's model on the page, plus a
        # constant few (the partner and its contacts, companies, channels).
        self.assertLessEqual(many, 2 * len(self.Timeline._sources()) + 6)


@tagged("post_install", "-at_install")
class TestTimelineWizard(CmrTimelineCase):
    def test_agent_pages_through_the_backend_timeline(self):
        self.env["cmr.contact"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "channel_id": self.wechat.id,
                    "subject": f"Bulk {index}",
                    "state": "sent",
                    "user_id": self.agent.id,
                }
                for index in range(120)
            ]
        )
        action = self.customer.with_user(self.agent).action_cmr_timeline()
        wizard = (
            self.env["cmr.timeline.wizard"]
            .with_user(self.agent)
            .browse(action["res_id"])
        )
        self.assertEqual(len(wizard.line_ids), 50)
        first = wizard.line_ids.mapped("summary")
        wizard.action_older()
        self.assertEqual(wizard.page, 2)
        second = wizard.line_ids.mapped("summary")
        self.assertEqual(len(second), 50)
        self.assertFalse(set(first) & set(second))
        wizard.action_newer()
        self.assertEqual(wizard.line_ids.mapped("summary"), first)
        bulk = wizard.line_ids.filtered(lambda line: line.summary.startswith("Bulk"))
        self.assertEqual(bulk[:1].action_open()["res_model"], "cmr.contact")
        # The refused contact is not the agent's (nor of their customers).
        wizard.write({"kind": "contact_refused"})
        wizard.action_apply()
        self.assertFalse(wizard.line_ids)

    def test_manager_filters_internal_events(self):
        action = self.customer.with_user(self.manager).action_cmr_timeline()
        wizard = self.env["cmr.timeline.wizard"].with_user(self.manager)
        wizard = wizard.browse(action["res_id"])
        wizard.write({"kind": "contact_refused", "include_internal": True})
        wizard.action_apply()
        self.assertEqual(
            wizard.line_ids.mapped("kind"), ["Contact Refused by the Charter"]
        )
        self.assertEqual(wizard.line_ids.action_open()["res_model"], "cmr.contact")
        wizard.write({"include_internal": False})
        wizard.action_apply()
        self.assertFalse(wizard.line_ids)

    def test_staff_see_only_what_their_rights_allow(self):
        """An agent without sales rights sees no orders, and no complaint
        owned by a colleague; a manager with sales rights sees them."""
        owned = self.env["cmr.complaint"].search(
            [("partner_id", "=", self.customer.id), ("user_id", "!=", False)],
            limit=1,
        )
        self.assertTrue(owned)
        agent = " ".join(e["summary"] for e in self.all_events(user=self.agent))
        manager = " ".join(e["summary"] for e in self.all_events(user=self.manager))
        self.assertNotIn(self.order.name, agent)
        self.assertNotIn(owned.name, agent)
        self.assertIn(self.order.name, manager)
        self.assertIn(owned.name, manager)

    def test_plain_employee_has_no_timeline(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.employee).action_cmr_timeline()
