from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .care_common import CmrCareCase, evening_slot


@tagged("post_install", "-at_install")
class TestCareVisit(CmrCareCase):
    """Slots inside the customer's windows, the checklist, the outcome,
    feedback through the gate, plans, and who may do what."""

    def test_slot_inside_the_windows_only(self):
        with self.assertRaises(ValidationError) as error:
            self.request(self.gold_customer, slot=evening_slot(hour=10))
        self.assertIn("outside", str(error.exception))
        # 21:00 + 1 h ends after the window's 21:30.
        with self.assertRaises(ValidationError):
            self.request(self.gold_customer, slot=evening_slot(hour=21))
        visit = self.request(self.gold_customer, slot=evening_slot(hour=20, minute=30))
        self.assertEqual(visit.date_end - visit.date_start, timedelta(hours=1))

    def test_slot_in_the_past_refused(self):
        with self.assertRaises(ValidationError) as error:
            self.request(self.gold_customer, slot=evening_slot(days=-2))
        self.assertIn("already passed", str(error.exception))

    def test_quiet_day_refused(self):
        slot = evening_slot(days=2)
        self.gold_customer.cmr_quiet_day_ids = [
            Command.create({"date": (slot + timedelta(hours=8)).date()})
        ]
        with self.assertRaises(ValidationError):
            self.request(self.gold_customer, slot=slot)

    def test_free_slots_lie_in_the_windows(self):
        slots = self.env["cmr.care.visit"]._free_slots(
            self.gold_customer, self.inspection
        )
        self.assertTrue(slots)
        for slot in slots:
            local = fields.Datetime.context_timestamp(
                self.env["cmr.care.visit"].with_context(tz="Asia/Shanghai"), slot
            )
            self.assertGreaterEqual(local.hour + local.minute / 60, 19)
            self.assertLessEqual(local.hour + local.minute / 60 + 1, 21.5)

    def test_done_needs_checklist_and_outcome_and_asks_feedback(self):
        visit = self.request(self.gold_customer)
        self.assertEqual(len(visit.step_ids), 2, "the service's checklist")
        self.assertEqual(visit.team_id, self.team, "the service's team")
        agent_visit = visit.with_user(self.agent)
        with self.assertRaises(UserError):
            agent_visit.action_done()
        visit.step_ids.with_user(self.agent).write({"done": True})
        with self.assertRaises(UserError):
            agent_visit.action_done()
        agent_visit.write({"outcome": "ok", "notes": "All fine"})
        agent_visit.action_done()
        self.assertEqual(visit.state, "done")
        self.assertEqual(visit.done_user_id, self.agent)
        self.assertTrue(visit.on_time)
        contact = self.env["cmr.contact"].search(
            [("res_model", "=", "cmr.care.visit"), ("res_id", "=", visit.id)]
        )
        self.assertEqual(len(contact), 1, "feedback asked through the gate")
        self.assertEqual(contact.channel_id, self.wechat)
        self.assertIn("/rate/", contact.body)
        # Not in the customer's evening window now? Then queued, not sent.
        gate = self.gold_customer.cmr_check_contact(self.wechat)[self.gold_customer.id]
        self.assertEqual(contact.state == "queued", not gate["allowed"])

    def test_rating_aggregated_per_service(self):
        visit = self.request(self.gold_customer)
        visit.step_ids.done = True
        visit.outcome = "ok"
        visit.with_user(self.agent).action_done()
        visit._rate(self.gold_customer, 4, "Friendly")
        self.assertEqual(visit.rating_last_value, 4)
        self.assertEqual(self.inspection.rating_avg, 4)
        with self.assertRaises(UserError):
            visit._rate(self.gold_customer, 5)
        with self.assertRaises(AccessError):
            visit._rate(self.card_customer, 5)

    def test_cancel_and_missed_need_a_reason(self):
        visit = self.request(self.gold_customer)
        with self.assertRaises(UserError):
            visit.with_user(self.agent).action_cancel()
        visit.with_user(self.agent).write({"reason": "No access to the site"})
        visit.with_user(self.agent).action_missed()
        self.assertEqual(visit.state, "missed")
        with self.assertRaises(UserError):
            visit.with_user(self.agent).write({"state": "requested"})

    def test_plan_generates_visits_ahead(self):
        self.env["cmr.care.plan"].search([]).action_archive()
        plan = self.env["cmr.care.plan"].create(
            {
                "partner_id": self.both_customer.id,
                "service_id": self.inspection.id,
                "interval": 3,
                "next_date": fields.Date.today() + timedelta(days=5),
            }
        )
        self.env.ref("cmr_module.ir_cron_cmr_care_plans").method_direct_trigger()
        visit = plan.visit_ids
        self.assertEqual(len(visit), 1)
        self.assertEqual(visit.origin, "plan")
        self.assertTrue(visit.entitlement_id)
        self.assertTrue(visit.date_start, "a slot in the customer's windows")
        self.assertEqual(
            plan.next_date,
            fields.Date.today() + timedelta(days=5) + relativedelta(months=3),
        )
        # Run again: the next visit is not due yet, nothing more.
        self.env["cmr.care.plan"]._cron_generate_visits()
        self.assertEqual(len(plan.visit_ids), 1)
        # A plan without entitlement left waits, with the reason.
        plan2 = self.env["cmr.care.plan"].create(
            {
                "partner_id": self.nobody.id,
                "service_id": self.inspection.id,
                "next_date": fields.Date.today(),
            }
        )
        self.env["cmr.care.plan"]._cron_generate_visits()
        self.assertFalse(plan2.visit_ids)
        self.assertIn("not entitled", plan2.last_error)


@tagged("post_install", "-at_install")
class TestCareSecurity(CmrCareCase):
    """CMR User records visits of their own or their team; Manager
    configures; nobody reads another company's services."""

    def test_agent_sees_own_and_team_visits_only(self):
        visit = self.request(self.gold_customer)
        self.assertEqual(visit.team_id, self.team)
        self.assertTrue(visit.with_user(self.agent).has_access("write"))
        self.assertFalse(visit.with_user(self.agent2).has_access("read"))
        with self.assertRaises(AccessError):
            visit.with_user(self.agent2).action_done()
        self.assertTrue(visit.with_user(self.manager).has_access("write"))

    def test_only_managers_configure(self):
        with self.assertRaises(AccessError):
            self.env["cmr.care.service"].with_user(self.agent).create({"name": "X"})
        with self.assertRaises(AccessError):
            self.gold_inspection.with_user(self.agent).write({"quota": 5})
        self.gold_inspection.with_user(self.manager).write({"quota": 5})
        self.env["cmr.care.budget"].with_user(self.manager).create(
            {"tier_id": self.gold.id, "amount": 100}
        )
        with self.assertRaises(AccessError):
            self.env["cmr.care.budget"].with_user(self.agent).create(
                {"tier_id": self.plain.id, "amount": 100}
            )

    def test_multi_company(self):
        other = self.env["res.company"].create({"name": "Other care company"})
        service = self.env["cmr.care.service"].create(
            {"name": "Other service", "company_id": other.id}
        )
        self.assertFalse(service.with_user(self.manager).has_access("read"))


@tagged("post_install", "-at_install")
class TestCareButtonsAsAgent(CmrCareCase):
    """The customer form's care buttons, as a CMR User."""

    def test_partner_buttons(self):
        partner = self.both_customer.with_user(self.agent)
        self.assertIn("Safety inspection", partner.cmr_care_left_html)
        self.assertEqual(
            partner.action_cmr_care_visits()["res_model"], "cmr.care.visit"
        )
        self.assertEqual(partner.action_cmr_care_gifts()["res_model"], "cmr.care.gift")
        wizard = (
            self.env["cmr.care.goodwill.wizard"]
            .with_user(self.agent)
            .create(
                {
                    "partner_id": self.nobody.id,
                    "service_id": self.inspection.id,
                    "reason": "Our delivery was late",
                }
            )
        )
        action = wizard.action_grant()
        visit = self.env["cmr.care.visit"].browse(action["res_id"])
        self.assertTrue(visit.goodwill)
        self.assertEqual(visit.goodwill_reason, "Our delivery was late")

    def test_suggest_a_gift_as_agent(self):
        product = self.env["product.product"].create(
            {
                "name": "Agent gift",
                "cmr_is_gift": True,
                "cmr_gift_qty": 1,
                "cmr_gift_value": 1,
            }
        )
        self.env["cmr.care.budget"].create(
            {"tier_id": self.gold.id, "amount": 10, "default_product_id": product.id}
        )
        action = self.gold_customer.with_user(self.agent).action_cmr_care_suggest_gift()
        gift = self.env["cmr.care.gift"].browse(action["res_id"])
        self.assertEqual(gift.state, "draft")
        gift.with_user(self.agent).action_confirm()
        self.assertEqual(gift.user_id, self.agent)
        self.assertEqual(gift.state, "confirmed")


@tagged("post_install", "-at_install")
class TestCareCalendar(CmrCareCase):
    """A scheduled visit is in its employee's calendar, and leaves it when
    cancelled."""

    def test_scheduled_visit_in_the_employee_calendar(self):
        visit = self.request(self.gold_customer)
        self.assertFalse(visit.calendar_event_id, "requested: not yet")
        as_agent = visit.with_user(self.agent)
        as_agent.user_id = self.agent
        as_agent.action_schedule()
        event = visit.calendar_event_id
        self.assertTrue(event)
        self.assertEqual((event.start, event.stop), (visit.date_start, visit.date_end))
        self.assertEqual(event.partner_ids, self.agent.partner_id)
        self.assertEqual((event.res_model, event.res_id), ("cmr.care.visit", visit.id))
        as_agent.date_start = evening_slot(days=3)
        self.assertEqual(event.start, visit.date_start, "moved with the visit")
        as_agent.reason = "Customer away"
        as_agent.action_cancel()
        self.assertFalse(visit.calendar_event_id)
        self.assertFalse(event.exists())


@tagged("post_install", "-at_install")
class TestCareMultiCompany(CmrCareCase):
    def test_visits_of_another_company_are_hidden(self):
        other = self.env["res.company"].create({"name": "Other care company B"})
        service = self.env["cmr.care.service"].create(
            {"name": "Other inspection", "company_id": other.id}
        )
        visit = (
            self.env["cmr.care.visit"]
            .with_company(other)
            .create(
                {
                    "partner_id": self.nobody.id,
                    "service_id": service.id,
                    "company_id": other.id,
                    "goodwill": True,
                    "goodwill_reason": "Test",
                }
            )
        )
        home = self.manager.company_id
        self.assertFalse(
            visit.with_user(self.manager)
            .with_context(allowed_company_ids=home.ids)
            .has_access("read")
        )
        manager_b = new_test_user(
            self.env,
            login="cmr_care_manager_b",
            groups="cmr_module.group_cmr_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertTrue(
            visit.with_user(manager_b)
            .with_context(allowed_company_ids=other.ids)
            .has_access("read")
        )
