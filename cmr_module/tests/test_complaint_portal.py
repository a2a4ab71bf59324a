import re
from datetime import datetime, timedelta

import pytz

from odoo import fields
from odoo.tests import JsonRpcException

from .complaint_common import CmrComplaintPortalCase


class TestComplaintPortal(CmrComplaintPortalCase):
    """Customers file, follow, confirm and rate their complaints; nobody
    else's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

    def _file(self, **form):
        data = {
            "subject": "Wrong bill",
            "reply_channel": "wechat",
            "reply_by": self.tomorrow,
            "description": "Charged twice",
            "csrf_token": self.csrf_token(),
            **form,
        }
        return self.url_open("/my/complaints/new", data=data)

    def _complaints(self, user):
        return self.env["cmr.complaint"].search(
            [("partner_id", "=", user.partner_id.id)]
        )

    def test_file_follow_confirm_rate(self):
        self.login_a()
        response = self._file()
        self.assertEqual(response.status_code, 200)
        complaint = self._complaints(self.user_a)
        self.assertEqual(len(complaint), 1)
        # Not a follower: no chatter e-mail around the contact gate.
        self.assertNotIn(self.user_a.partner_id, complaint.message_partner_ids)
        self.assertFalse(complaint.user_id)
        self.assertEqual(complaint.channel_received, "portal")
        self.assertEqual(complaint.reply_channel_id, self.wechat)
        self.assertIn(complaint.name, response.text)
        self.assertIn(complaint.name, self.url_open("/my/complaints").text)
        complaint.with_user(self.agent).action_acknowledge()
        complaint.with_user(self.agent).resolution = "<p>Refunded today</p>"
        complaint.with_user(self.agent).action_answer()
        page = self.url_open(complaint.access_url).text
        self.assertIn("Refunded today", page)
        self.assertIn("Agent Sun", page)
        url = f"/my/complaints/{complaint.id}"
        self.url_open(f"{url}/confirm", data={"csrf_token": self.csrf_token()})
        self.assertEqual(complaint.state, "closed")
        self.url_open(
            f"{url}/rate",
            data={"rate": "4", "feedback": "Good", "csrf_token": self.csrf_token()},
        )
        self.assertEqual(complaint.rating_last_value, 4)
        self.url_open(
            f"{url}/reopen",
            data={"message": "Charged again", "csrf_token": self.csrf_token()},
        )
        self.assertEqual(complaint.state, "reopened")
        self.assertTrue(
            any(
                "Charged again" in body for body in complaint.message_ids.mapped("body")
            )
        )

    def test_bad_input_saves_nothing(self):
        self.login_a()
        response = self._file(reply_channel="carrier-pigeon")
        self.assertIn("Unknown reply channel", response.text)
        past = (fields.Datetime.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        response = self._file(reply_by=past)
        self.assertIn("is in the past", response.text)
        response = self._file(subject=" ")
        self.assertIn("in a few words", response.text)
        self.assertFalse(self._complaints(self.user_a))

    def test_category_of_another_company_is_refused(self):
        other = self.env["res.company"].create({"name": "CMR complaints elsewhere"})
        foreign = self.env["cmr.complaint.category"].create(
            {"name": "Elsewhere only", "company_id": other.id}
        )
        self.login_a()
        self.assertNotIn("Elsewhere only", self.url_open("/my/complaints/new").text)
        response = self._file(category_id=str(foreign.id))
        self.assertIn("Unknown complaint category", response.text)
        self.assertFalse(self._complaints(self.user_a))

    def test_reply_by_is_read_in_the_customer_time_zone(self):
        self.login_a()
        local = (datetime.now() + timedelta(days=3)).replace(
            hour=18, minute=0, second=0, microsecond=0
        )
        self._file(reply_by=local.strftime("%Y-%m-%dT%H:%M"))
        expected = (
            pytz.timezone("Asia/Shanghai")
            .localize(local)
            .astimezone(pytz.UTC)
            .replace(tzinfo=None)
        )
        self.assertEqual(self._complaints(self.user_a).reply_by, expected)

    def test_other_customer_cannot_see_or_post(self):
        self.login_a()
        self._file()
        complaint = self._complaints(self.user_a)
        messages = len(complaint.message_ids)
        self.login_b()
        self.assertNotIn(complaint.name, self.url_open("/my/complaints").text)
        response = self.url_open(complaint.access_url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        with self.assertRaises(JsonRpcException):
            self.chatter_post(complaint, "Spam")
        for action in ("confirm", "reopen", "rate"):
            response = self.url_open(
                f"/my/complaints/{complaint.id}/{action}",
                data={"message": "Spam", "rate": "1", "csrf_token": self.csrf_token()},
            )
            self.assertEqual(response.status_code, 403)
            self.assertIn("not yours", response.text)
        complaint.invalidate_recordset()
        self.assertEqual(len(complaint.message_ids), messages)
        self.assertEqual(complaint.state, "new")
        self.assertNotIn(self.user_b.partner_id, complaint.message_partner_ids)

    def test_customer_writes_in_the_chatter_without_following(self):
        self.login_a()
        self._file()
        complaint = self._complaints(self.user_a)
        page = self.url_open(complaint.access_url).text
        self.assertIn('class="d-print-none o_portal_chatter', page)
        token = re.search(r'data-token="([^"]+)"', page).group(1)
        self.chatter_post(complaint, "Any news?", token=token)
        self.assertIn("Any news?", complaint.message_ids[0].body)
        self.assertEqual(complaint.message_ids[0].author_id, self.user_a.partner_id)
        # Not a follower: what the desk sends goes through the contact gate.
        self.assertNotIn(self.user_a.partner_id, complaint.message_partner_ids)
        # Another customer with the same link reads, but does not write.
        self.login_b()
        with self.assertRaises(JsonRpcException):
            self.chatter_post(complaint, "Spam", token=token)
        self.assertNotIn("Spam", complaint.message_ids[0].body)
        self.assertNotIn(self.user_b.partner_id, complaint.message_partner_ids)

    def test_anonymous_visitor_is_sent_to_login(self):
        response = self.url_open("/my/complaints", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))

    def test_tour_file_answer_confirm_rate(self):
        self.start_tour("/my", "cmr_portal_complaint_file", login=self.user_a.login)
        complaint = self._complaints(self.user_a)
        self.assertEqual(complaint.reply_channel_id, self.wechat)
        local = pytz.UTC.localize(complaint.reply_by).astimezone(
            pytz.timezone("Asia/Shanghai")
        )
        self.assertEqual((local.weekday(), local.hour, local.minute), (4, 18, 0))
        # An agent takes it and answers on WeChat.
        as_agent = complaint.with_user(self.agent)
        as_agent.action_acknowledge()
        as_agent.resolution = "<p>We refunded the double charge.</p>"
        as_agent.action_answer()
        self.assertEqual(complaint.state, "answered")
        self.start_tour(
            "/my/complaints",
            "cmr_portal_complaint_confirm_rate",
            login=self.user_a.login,
        )
        self.assertEqual(complaint.state, "closed")
        self.assertEqual(complaint.rating_last_value, 5)
