from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CmrPortalCase


@tagged("post_install", "-at_install")
class TestTimelinePortal(CmrPortalCase):
    """/my/timeline: the customer's own events, paged, without internal ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Contact = cls.env["cmr.contact"]
        now = fields.Datetime.now()
        Contact.create(
            [
                {
                    "partner_id": cls.partner_a.id,
                    "channel_id": cls.wechat.id,
                    "subject": f"A news {index:02d}",
                    "state": "sent",
                    "date": now,
                }
                for index in range(45)
            ]
        )
        Contact.create(
            {
                "partner_id": cls.partner_a.id,
                "channel_id": cls.sms.id,
                "subject": "A refused flash sale",
                "state": "refused",
                "refusal_reason": "channel_refused",
                "date": now,
            }
        )
        Contact.create(
            {
                "partner_id": cls.partner_b.id,
                "channel_id": cls.wechat.id,
                "subject": "B secret offer",
                "state": "sent",
                "date": now,
            }
        )
        cls.partner_a.message_post(
            body="Internal: A is price sensitive",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        # A's care: a visit done a month ago (internal notes) and a gift
        # (its cost is internal), older than the 45 news above.
        ref = cls.env.ref
        cls.care_visit = (
            cls.env["cmr.care.visit"]
            .with_context(cmr_care_allocated=True)
            .create(
                {
                    "partner_id": cls.partner_a.id,
                    "service_id": ref(
                        "cmr_module.cmr_care_service_safety_inspection"
                    ).id,
                    "notes": "A keeps the key under the mat",
                    "outcome": "issue",
                }
            )
        )
        cls.care_visit._set_state("done", done_date=now - timedelta(days=30))
        gift = cls.env["cmr.care.gift"].create(
            {
                "partner_id": cls.partner_a.id,
                "product_id": ref("cmr_module.cmr_product_gift_stamps").id,
            }
        )
        gift._set_state(
            "confirmed", value=77.25, date=fields.Date.today() - timedelta(days=30)
        )

    def test_paged_own_events_without_internal_ones(self):
        self.login_a()
        response = self.url_open("/my/timeline")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertEqual(page.count("o_cmr_timeline_event"), 30)
        self.assertNotIn("B secret offer", page)
        self.assertNotIn("refused flash sale", page)
        self.assertNotIn("price sensitive", page)
        older = page.split('href="/my/timeline?kind=&amp;after=')[1].split('"')[0]
        second = self.url_open(f"/my/timeline?after={older}").text
        self.assertNotIn("o_cmr_timeline_older", second)
        news = [chunk[:2] for chunk in (page + second).split("A news ")[1:]]
        self.assertEqual(sorted(news), [f"{index:02d}" for index in range(45)])

    def test_kind_filter_and_bad_cursor(self):
        self.login_a()
        page = self.url_open("/my/timeline?kind=note").text
        self.assertNotIn("price sensitive", page)
        response = self.url_open("/my/timeline?after=2026-99-99T00:00:00_1_1")
        self.assertEqual(response.status_code, 200)
        self.assertIn("does not exist", response.text)
        response = self.url_open("/my/timeline?after=" + "9" * 5000)
        self.assertEqual(response.status_code, 200)

    def test_care_events_without_internal_fields(self):
        self.login_a()
        page = self.url_open("/my/timeline?kind=care_done").text
        self.assertEqual(page.count("o_cmr_timeline_event"), 1)
        self.assertIn(self.care_visit.name, page)
        self.assertIn(f"/my/care/visits/{self.care_visit.id}", page)
        self.assertNotIn("key under the mat", page)
        page = self.url_open("/my/timeline?kind=care_gift").text
        self.assertEqual(page.count("o_cmr_timeline_event"), 1)
        self.assertIn("Commemorative stamp set", page)
        self.assertNotIn("77.25", page)
        self.login_b()
        page = self.url_open("/my/timeline?kind=care_done").text
        self.assertNotIn(self.care_visit.name, page)

    def test_other_customer_sees_only_theirs(self):
        self.login_b()
        page = self.url_open("/my/timeline").text
        self.assertIn("B secret offer", page)
        self.assertNotIn("A news", page)

    def test_anonymous_is_sent_to_login(self):
        response = self.url_open("/my/timeline", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
