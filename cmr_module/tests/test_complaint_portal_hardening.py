import re

from odoo import Command, fields
from odoo.tests import JsonRpcException

from .complaint_common import CmrComplaintPortalCase

# Two megabytes: far above every bound, below the 10 MB Odoo reads of a form.
HUGE = "x" * (2 * 1024 * 1024)
# What people and robots post instead of a value.
BAD_TEXTS = [HUGE, "a\x00b", b"\xff\xfe\xfa not utf-8", "\x1b[31m"]
BAD_NUMBERS = ["-1", "0", "6", "99999999999999999999999", "1e308", "４", "NaN"]


class TestComplaintPortalHardening(CmrComplaintPortalCase):
    """What customers, other customers and robots post to the complaint
    pages: ratings once and only by the customer, lists scoped to the
    customer, nothing absurd stored, never an error 500."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

    def _ratings(self, complaint):
        return self.env["rating.rating"].search(
            [
                ("res_model", "=", "cmr.complaint"),
                ("res_id", "=", complaint.id),
                ("consumed", "=", True),
            ]
        )

    def _post(self, url, **data):
        return self.url_open(url, data={"csrf_token": self.csrf_token(), **data})

    # ------------------------------------------------------------------
    # Ratings
    # ------------------------------------------------------------------
    def test_rating_is_taken_once_per_closing(self):
        complaint = self._complaint(self.user_a.partner_id, "closed")
        self.login_a()
        url = f"/my/complaints/{complaint.id}/rate"
        self._post(url, rate="5", feedback="Good")
        response = self._post(url, rate="1", feedback="Stuffed")
        self.assertEqual(response.status_code, 200)
        self.assertIn("already rated", response.text)
        ratings = self._ratings(complaint)
        self.assertEqual(len(ratings), 1)
        self.assertEqual((ratings.rating, ratings.feedback), (5, "Good"))

    def test_rating_link_and_page_share_the_one_rating(self):
        complaint = self._complaint(self.user_a.partner_id, "answered")
        # Confirmed by phone: the customer gets a rating link.
        complaint.with_user(self.agent).action_confirm()
        link = self.env["rating.rating"].search(
            [("res_model", "=", "cmr.complaint"), ("res_id", "=", complaint.id)]
        )
        self.assertEqual(len(link), 1)
        self.url_open(
            f"/rate/{link.access_token}/submit_feedback",
            data={"rate": "5", "feedback": "Fine", "csrf_token": self.csrf_token()},
        )
        # The link may change its own rating, not add one.
        self.url_open(
            f"/rate/{link.access_token}/submit_feedback",
            data={"rate": "3", "feedback": "Okay", "csrf_token": self.csrf_token()},
        )
        self.assertEqual(self._ratings(complaint), link)
        self.assertEqual(link.rating, 3)
        self.login_a()
        page = self.url_open(complaint.access_url).text
        self.assertNotIn("o_cmr_complaint_rate_submit", page)
        self.assertIn("o_cmr_complaint_rated", page)
        response = self._post(f"/my/complaints/{complaint.id}/rate", rate="1")
        self.assertIn("already rated", response.text)
        self.assertEqual(self._ratings(complaint), link)

    def test_other_customer_with_the_link_only_reads(self):
        complaint = self._complaint(self.user_a.partner_id, "closed")
        complaint._portal_ensure_token()
        self.login_b()
        # B holds A's link: B may see the complaint, not act or rate for A.
        token = complaint.access_token
        page = self.url_open(f"{complaint.access_url}?access_token={token}").text
        self.assertIn(complaint.name, page)
        for form in ("o_cmr_complaint_rate_submit", "o_cmr_complaint_reopen"):
            self.assertNotIn(form, page)
        messages = len(complaint.message_ids)
        with self.assertRaises(JsonRpcException):
            self.chatter_post(complaint, "Words of B", token=token)
        for action in ("rate", "reopen"):
            response = self._post(
                f"/my/complaints/{complaint.id}/{action}?access_token={token}",
                rate="1",
                feedback="Words of B",
                message="Words of B",
            )
            self.assertEqual(response.status_code, 403, action)
        complaint.invalidate_recordset()
        self.assertEqual(complaint.state, "closed")
        self.assertEqual(len(complaint.message_ids), messages)
        self.assertFalse(self._ratings(complaint))

    def test_agent_does_not_act_through_the_portal(self):
        # The agent may see the unowned queue, but works on complaints in
        # the back office (after taking them), not through the customer's
        # forms.
        complaint = self._complaint(self.user_a.partner_id)
        self.login_agent()
        complaint._portal_ensure_token()
        with self.assertRaises(JsonRpcException):
            self.chatter_post(
                complaint, "Posted as staff", token=complaint.access_token
            )
        response = self._post(f"/my/complaints/{complaint.id}/confirm")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(
            any(
                "Posted as staff" in body
                for body in complaint.message_ids.mapped("body")
            )
        )

    def test_company_colleague_acts_but_does_not_rate(self):
        company = self.env["res.partner"].create(
            {"name": "CMR Hardening Co", "is_company": True}
        )
        self.user_a.partner_id.parent_id = company
        self.user_b.partner_id.parent_id = company
        complaint = self._complaint(self.user_a.partner_id, "closed")
        self.login_b()
        page = self.url_open(complaint.access_url).text
        self.assertIn("o_cmr_complaint_reopen", page)
        self.assertNotIn("o_cmr_complaint_rate_submit", page)
        response = self._post(
            f"/my/complaints/{complaint.id}/rate", rate="1", feedback="Words of B"
        )
        self.assertIn("Only the customer", response.text)
        self.assertFalse(self._ratings(complaint))

    def test_portal_confirmation_sends_no_rating_request(self):
        complaint = self._complaint(self.user_a.partner_id, "answered")
        self.login_a()
        self._post(f"/my/complaints/{complaint.id}/confirm")
        self.assertEqual(complaint.state, "closed")
        # The customer rates on the page: no rating request, no contact.
        self.assertFalse(
            self.env["rating.rating"].search(
                [("res_model", "=", "cmr.complaint"), ("res_id", "=", complaint.id)]
            )
        )
        self.assertFalse(
            self.env["cmr.contact"].search(
                [
                    ("res_model", "=", "cmr.complaint"),
                    ("res_id", "=", complaint.id),
                    ("body", "ilike", "/rate/"),
                ]
            )
        )

    # ------------------------------------------------------------------
    # Lists and counters
    # ------------------------------------------------------------------
    def test_employee_sees_only_own_complaints_as_customer(self):
        queued = self._complaint(self.user_a.partner_id)
        self.login_agent()
        page = self.url_open("/my/complaints").text
        self.assertNotIn(queued.name, page)
        self.assertIn("You have filed no complaint", page)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["cmr_complaint_count"]}
        )
        self.assertEqual(counters["cmr_complaint_count"], 0)
        # The customer still sees theirs.
        self.login_a()
        self.assertIn(queued.name, self.url_open("/my/complaints").text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["cmr_complaint_count"]}
        )
        self.assertEqual(counters["cmr_complaint_count"], 1)

    def test_new_complaint_breadcrumb(self):
        product = self.env["product.product"].create(
            {"name": "CMR breadcrumb bottle", "list_price": 10.0, "type": "consu"}
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.user_a.partner_id.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": 1, "price_unit": 10.0}
                    )
                ],
            }
        )
        invoice.action_post()
        self.login_a()
        page = self.url_open("/my/complaints/new").text
        # The invoice is offered in the form...
        self.assertIn(invoice.name, page)
        breadcrumb = re.search(
            r'<ol class="[^"]*o_portal_submenu[^"]*"[^>]*>(.*?)</ol>', page, re.S
        ).group(1)
        # ...but is no step of the breadcrumb.
        steps = [
            step.strip()
            for step in re.sub(r"<[^>]+>", "\n", breadcrumb).split("\n")
            if step.strip()
        ]
        self.assertNotIn(invoice.name, breadcrumb)
        self.assertEqual(steps[-2:], ["My Complaints", "New Complaint"])

    # ------------------------------------------------------------------
    # Absurd input
    # ------------------------------------------------------------------
    def _assert_refused(self, response, what):
        self.assertLess(response.status_code, 500, what)
        self.assertNotIn("Internal Server Error", response.text, what)

    def test_page_shows_no_error_from_the_address(self):
        complaint = self._complaint(self.user_a.partner_id)
        self.login_a()
        page = self.url_open(
            f"{complaint.access_url}?error=Call+555-0100+to+get+your+refund"
        ).text
        self.assertIn(complaint.name, page)
        self.assertNotIn("555-0100", page)
        self.assertNotIn("o_cmr_error", page)

    def test_fuzz_new_complaint(self):
        self.login_a()
        valid = {
            "subject": "Wrong bill",
            "reply_channel": "wechat",
            "reply_by": self.tomorrow,
            "description": "Charged twice",
        }
        for name in (*valid, "category_id", "sale_order_id", "invoice_id"):
            for value in [*BAD_TEXTS, *BAD_NUMBERS[:4]]:
                if name == "reply_by" and value in BAD_NUMBERS:
                    continue
                form = dict(valid, **{name: value})
                what = f"{name}={value[:20]!r}"
                if name in ("subject", "description") and value in BAD_NUMBERS:
                    continue
                response = self._post("/my/complaints/new", **form)
                self._assert_refused(response, what)
                self.assertIn("o_cmr_error", response.text, what)
                # The refused value is not echoed back into the form.
                self.assertNotIn("\x00", response.text, what)
                self.assertLess(len(response.content), 1024 * 1024, what)
        # A file with a NUL in its name, in a multipart body written by hand
        # (HTTP clients escape it).
        boundary = "cmrfuzzboundary"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
            f"\r\n\r\n{value}\r\n".encode()
            for name, value in dict(valid, csrf_token=self.csrf_token()).items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="bill\x00.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
            f"%PDF-1.4\r\n--{boundary}--\r\n".encode()
        )
        response = self.url_open(
            "/my/complaints/new",
            data=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        self._assert_refused(response, "file name")
        self.assertIn("o_cmr_error", response.text)
        self.assertFalse(
            self.env["cmr.complaint"].search(
                [("partner_id", "=", self.user_a.partner_id.id)]
            )
        )

    def test_fuzz_complaint_actions(self):
        answered = self._complaint(self.user_a.partner_id, "answered")
        closed = self._complaint(self.user_a.partner_id, "closed")
        new = self._complaint(self.user_a.partner_id)
        complaints = answered | closed | new

        def snapshot():
            complaints.invalidate_recordset()
            return [
                (c.state, len(c.message_ids), len(self._ratings(c))) for c in complaints
            ]

        before = snapshot()
        self.login_a()
        posts = []
        for value in BAD_TEXTS:
            posts += [
                (answered, "reopen", {"message": value}),
                (closed, "rate", {"rate": "4", "feedback": value}),
                (new, "confirm", {"junk": value}),
            ]
        for value in BAD_NUMBERS:
            posts.append((closed, "rate", {"rate": value}))
        for complaint, action, data in posts:
            what = f"{action} {str(data)[:40]}"
            response = self._post(f"/my/complaints/{complaint.id}/{action}", **data)
            self._assert_refused(response, what)
            self.assertIn("o_cmr_error", response.text, what)
        answered._portal_ensure_token()
        for value in BAD_TEXTS:
            if isinstance(value, str):
                with self.assertRaises(JsonRpcException):
                    self.chatter_post(answered, value, token=answered.access_token)
        self.assertEqual(snapshot(), before)
