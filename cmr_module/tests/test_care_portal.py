import re

import pytz

from odoo.tests import HttpCase, tagged

from .care_common import SHANGHAI, CmrCarePortalCase, evening_slot


@tagged("post_install", "-at_install")
class TestCarePortal(CmrCarePortalCase):
    """/my/care end to end: what is left, a request in a slot of my
    windows, rating a done visit; bad input shown on the page with nothing
    written; nobody else's visits."""

    def visits(self, partner):
        return self.env["cmr.care.visit"].search([("partner_id", "=", partner.id)])

    def post(self, url, **data):
        # The account form carries a token whatever the care page shows.
        data.setdefault("csrf_token", self.csrf_token("/my/account"))
        return self.url_open(url, data=data)

    def request_form(self, service=None, slot=None):
        return self.post(
            "/my/care/request",
            service_id=str((service or self.inspection).id),
            slot=slot or evening_slot().strftime("%Y-%m-%d %H:%M"),
        )

    def done_visit(self, partner):
        visit = self.env["cmr.care.visit"].create(
            {
                "partner_id": partner.id,
                "service_id": self.inspection.id,
                "date_start": evening_slot(),
            }
        )
        visit.step_ids.done = True
        visit.outcome = "ok"
        visit.with_user(self.agent).action_done()
        return visit

    def test_home_card_and_page(self):
        self.login_a()
        home = self.url_open("/my")
        self.assertIn("/my/care", home.text)
        page = self.url_open("/my/care")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Safety inspection", page.text)
        self.assertIn("o_cmr_care_request_form", page.text)

    def test_request_a_slot_offered_in_my_windows(self):
        self.login_a()
        page = self.url_open("/my/care")
        slot = re.search(r'<option value="([0-9: -]+)"', page.text).group(1)
        response = self.request_form(slot=slot)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Your request is recorded", response.text)
        visit = self.visits(self.partner_a)
        self.assertEqual(len(visit), 1)
        self.assertEqual((visit.origin, visit.state), ("portal", "requested"))
        self.assertEqual(visit.date_start.strftime("%Y-%m-%d %H:%M"), slot)
        self.assertIn(visit.name, self.url_open("/my/care").text)
        # The only unit is reserved: a second request says when it renews.
        response = self.request_form(
            slot=evening_slot(days=4).strftime("%Y-%m-%d %H:%M")
        )
        self.assertIn("renews on", response.text)
        self.assertEqual(len(self.visits(self.partner_a)), 1)

    def test_bad_input_is_refused_on_the_page(self):
        self.login_a()
        morning = evening_slot(hour=10).strftime("%Y-%m-%d %H:%M")
        past = evening_slot(days=-3).strftime("%Y-%m-%d %H:%M")
        cases = [
            ({"slot": "tomorrow evening"}, "is not a time slot"),
            ({"slot": "2026-13-45 99:99"}, "is not a time slot"),
            ({"slot": "\x00"}, "is not a time slot"),
            ({"slot": "9" * 5000}, "is not a time slot"),
            ({"slot": morning}, "outside"),
            ({"slot": past}, "already passed"),
            ({"service_id": str(self.cleaning.id)}, "services offered to you"),
            ({"service_id": "99999999999999999999"}, "services offered to you"),
            ({"service_id": "-1"}, "services offered to you"),
        ]
        for form, message in cases:
            with self.subTest(form=form):
                data = {
                    "service_id": str(self.inspection.id),
                    "slot": evening_slot().strftime("%Y-%m-%d %H:%M"),
                    **form,
                }
                response = self.post("/my/care/request", **data)
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_cmr_care_error", response.text)
                self.assertIn(message, response.text)
                self.assertFalse(self.visits(self.partner_a), "nothing written")

    def test_rate_a_done_visit_once(self):
        visit = self.done_visit(self.partner_a)
        self.login_a()
        page = self.url_open(f"/my/care/visits/{visit.id}")
        self.assertIn("o_cmr_care_rate_form", page.text)
        response = self.post(f"/my/care/visits/{visit.id}/rate", rate="9")
        self.assertIn("Rate the visit from 1 to 5", response.text)
        response = self.post(
            f"/my/care/visits/{visit.id}/rate", rate="5", feedback="x" * 6000
        )
        self.assertIn("too long", response.text)
        self.assertFalse(visit.rating_last_value)
        response = self.post(
            f"/my/care/visits/{visit.id}/rate", rate="5", feedback="Very kind"
        )
        self.assertIn("Thank you for your rating", response.text)
        visit.invalidate_recordset()
        self.assertEqual(visit.rating_last_value, 5)
        response = self.post(f"/my/care/visits/{visit.id}/rate", rate="1")
        self.assertIn("already rated", response.text)
        visit.invalidate_recordset()
        self.assertEqual(visit.rating_last_value, 5)

    def test_nobody_else_visits(self):
        visit_b = self.done_visit(self.partner_b)
        self.login_a()
        self.assertNotIn(visit_b.name, self.url_open("/my/care").text)
        page = self.url_open(f"/my/care/visits/{visit_b.id}")
        self.assertEqual(page.status_code, 403)
        self.assertNotIn(visit_b.name, page.text)
        for action, data in (("rate", {"rate": "1"}), ("cancel", {})):
            response = self.post(f"/my/care/visits/{visit_b.id}/{action}", **data)
            self.assertEqual(response.status_code, 403)
        visit_b.invalidate_recordset()
        self.assertFalse(visit_b.rating_last_value)
        self.assertEqual(visit_b.state, "done")
        # The form's customer is always the logged-in one.
        self.post(
            "/my/care/request",
            service_id=str(self.inspection.id),
            slot=evening_slot().strftime("%Y-%m-%d %H:%M"),
            partner_id=str(self.partner_b.id),
        )
        self.assertEqual(len(self.visits(self.partner_b)), 1)
        self.assertEqual(len(self.visits(self.partner_a)), 1)

    def test_cancel_my_upcoming_visit_releases_the_unit(self):
        self.login_a()
        self.request_form()
        visit = self.visits(self.partner_a)
        response = self.post(f"/my/care/visits/{visit.id}/cancel", reason="Away")
        self.assertIn("The visit is cancelled", response.text)
        visit.invalidate_recordset()
        self.assertEqual((visit.state, visit.reason), ("cancelled", "Away"))
        left = self.env["cmr.care.entitlement"]._left([self.partner_a.id])
        self.assertEqual(left[self.partner_a.id][self.inspection.id]["left"], 1)


@tagged("post_install", "-at_install")
class TestCarePortalTour(HttpCase):
    """The story of the demo: the stamp collector (portal.wechat) requests a
    safety inspection in his evening window, the technician records it
    done, he rates it 5."""

    def test_tour_request_done_rate(self):
        collector = self.env.ref("cmr_module.cmr_partner_wang_ming")
        inspection = self.env.ref("cmr_module.cmr_care_service_safety_inspection")
        technician = self.env.ref("cmr_module.cmr_user_care_zhou")
        before = self.env["cmr.care.visit"].search([("partner_id", "=", collector.id)])
        self.start_tour("/my", "cmr_portal_care_request", login="portal.wechat")
        visit = (
            self.env["cmr.care.visit"].search([("partner_id", "=", collector.id)])
            - before
        )
        self.assertEqual(len(visit), 1)
        self.assertEqual((visit.service_id, visit.origin), (inspection, "portal"))
        local = pytz.utc.localize(visit.date_start).astimezone(SHANGHAI)
        self.assertGreaterEqual(local.hour, 19, "in his evening window")
        # The technician of the field team records it done.
        as_technician = visit.with_user(technician)
        as_technician.step_ids.write({"done": True})
        as_technician.write({"outcome": "ok", "notes": "Detector tested"})
        as_technician.action_done()
        self.assertEqual(visit.state, "done")
        self.start_tour("/my/care", "cmr_portal_care_rate", login="portal.wechat")
        visit.invalidate_recordset()
        self.assertEqual(visit.rating_last_value, 5)
        self.assertEqual(visit.rating_last_feedback, "Punctual and careful")
