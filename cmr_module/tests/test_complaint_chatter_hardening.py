import base64

from odoo.tests import JsonRpcException

from .complaint_common import CmrComplaintPortalCase


class TestComplaintChatterHardening(CmrComplaintPortalCase):
    """The complaint's chatter as a customer could abuse it through RPC: no
    following (every message to them goes through the contact gate), no
    internal notes, nothing unbounded, nothing on a closed complaint."""

    def _followers(self, complaint):
        return complaint.sudo().message_follower_ids.partner_id

    def test_customer_cannot_follow_their_complaint(self):
        complaint = self._complaint(self.partner_a, state="answered")
        self.login_a()
        self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "cmr.complaint",
                "method": "message_subscribe",
                "args": [complaint.ids],
                "kwargs": {"partner_ids": self.partner_a.ids},
            },
        )
        self.assertNotIn(self.partner_a, self._followers(complaint))
        # Nor can staff make them follow it (the composer's autofollow).
        complaint.with_user(self.agent).message_post(
            body="Dear customer", partner_ids=self.partner_a.ids
        )
        self.assertNotIn(self.partner_a, self._followers(complaint))
        self.assertIn(self.agent.partner_id, self._followers(complaint))

    def test_customer_posts_comments_only(self):
        complaint = self._complaint(self.partner_a)
        self.login_a()
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": complaint._name,
                "thread_id": complaint.id,
                "token": complaint._portal_ensure_token(),
                "post_data": {
                    "body": "Looks like a note",
                    "message_type": "notification",
                    "subtype_xmlid": "mail.mt_note",
                },
            },
        )
        message = complaint.message_ids.filtered(
            lambda m: "Looks like a note" in (m.body or "")
        )
        self.assertEqual(message.message_type, "comment")
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))

    def test_markup_edits_and_attachments_are_bounded(self):
        complaint = self._complaint(self.partner_a)
        self.login_a()
        with self.assertRaises(JsonRpcException):
            self.chatter_post(
                complaint, "<br>" * 100000, token=complaint._portal_ensure_token()
            )
        self.chatter_post(
            complaint, "Short and true", token=complaint._portal_ensure_token()
        )
        message = complaint.message_ids.filtered(
            lambda m: "Short and true" in (m.body or "")
        )
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/mail/message/update_content",
                {
                    "message_id": message.id,
                    "body": "x" * 300000,
                    "attachment_ids": [],
                    "token": complaint._portal_ensure_token(),
                },
            )
        self.assertIn("Short and true", message.body)
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": f"photo{index}.png",
                    "datas": base64.b64encode(b"png"),
                    "res_model": "mail.compose.message",
                    "res_id": 0,
                }
                for index in range(6)
            ]
        )
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/mail/message/post",
                {
                    "thread_model": complaint._name,
                    "thread_id": complaint.id,
                    "post_data": {
                        "body": "Six photos",
                        "message_type": "comment",
                        "attachment_ids": attachments.ids,
                    },
                },
            )
        self.assertFalse(
            complaint.message_ids.filtered(lambda m: "Six photos" in (m.body or ""))
        )

    def test_closed_complaint_takes_no_more_posts(self):
        complaint = self._complaint(self.partner_a, state="closed")
        self.login_a()
        with self.assertRaises(JsonRpcException):
            self.chatter_post(
                complaint, "One more thing", token=complaint._portal_ensure_token()
            )
        self.assertFalse(
            complaint.message_ids.filtered(lambda m: "One more thing" in (m.body or ""))
        )

    def test_reply_by_at_the_end_of_time_is_refused_on_the_page(self):
        self.login_a()
        response = self.url_open(
            "/my/complaints/new",
            data={
                "subject": "Wrong bill",
                "reply_channel": "wechat",
                "reply_by": "0001-01-01T00:00",
                "csrf_token": self.csrf_token(),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("is not a date and time", response.text)
