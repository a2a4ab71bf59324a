from odoo import Command, fields
from odoo.exceptions import AccessError

from .common import CmrPortalCase


class TestTierPortal(CmrPortalCase):
    """/my/tier shows the customer's own tier and history, nobody else's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.ladder = cls.env["cmr.tier.ladder"].create(
            {
                "name": "Portal ladder",
                "company_id": company.id,
                "active": False,
                "tier_ids": [
                    Command.create(
                        {
                            "name": "Platinum",
                            "sequence": 1,
                            "bound": 80,
                            "benefits": "<p>Free tank cleaning</p>",
                        }
                    ),
                    Command.create({"name": "Bronze", "sequence": 2, "bound": 0}),
                ],
                "criterion_ids": [
                    Command.create({"kind": "revenue", "weight": 100, "target": 1000})
                ],
            }
        )
        cls.ladder.action_use_ladder()
        platinum, bronze = cls.ladder._ordered_tiers()
        Standing = cls.env["cmr.partner.tier"]
        cls.standing_a = Standing.create(
            {
                "partner_id": cls.user_a.partner_id.id,
                "ladder_id": cls.ladder.id,
                "company_id": company.id,
                "tier_id": bronze.id,
                "score": 41.5,
                "revenue": 415,
                "breakdown": {"revenue": 41.5},
                "next_tier_id": platinum.id,
                "gap_score": 38.5,
            }
        )
        cls.standing_b = Standing.create(
            {
                "partner_id": cls.user_b.partner_id.id,
                "ladder_id": cls.ladder.id,
                "company_id": company.id,
                "tier_id": platinum.id,
                "score": 97.25,
                "revenue": 972.5,
                "breakdown": {"revenue": 97.25},
            }
        )
        cls.env["cmr.tier.history"].create(
            [
                {
                    "partner_id": standing.partner_id.id,
                    "company_id": company.id,
                    "ladder_id": cls.ladder.id,
                    "to_tier_id": standing.tier_id.id,
                    "direction": "initial",
                    "reason": "manual",
                    "note": note,
                    "date": fields.Datetime.now(),
                }
                for standing, note in (
                    (cls.standing_a, "Welcome A"),
                    (cls.standing_b, "Secret note of B"),
                )
            ]
        )

    def test_customer_sees_own_tier_only(self):
        self.login_a()
        response = self.url_open("/my/tier")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("Bronze", page)
        self.assertIn("41.5", page)
        self.assertIn("385.00", page)  # 38.5 points of 1,000 full marks
        # Staff's own words (the wizard's reason) stay internal: the customer
        # reads what kind of move it was.
        self.assertIn("Changed by our staff", page)
        self.assertNotIn("Welcome A", page)
        self.assertNotIn("97.2", page)
        self.assertNotIn("Secret note of B", page)
        home = self.url_open("/my").text
        self.assertIn('href="/my/tier"', home)

    def test_anonymous_visitor_is_sent_to_login(self):
        response = self.url_open("/my/tier", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_portal_user_cannot_read_or_change_others_tier(self):
        Standing = self.env["cmr.partner.tier"].with_user(self.user_a)
        # Their own standings only (Odoo's demo portal user may have one on
        # the demo ladder too).
        self.assertEqual(
            Standing.search([("ladder_id", "=", self.ladder.id)]), self.standing_a
        )
        self.assertEqual(Standing.search([]).partner_id, self.partner_a)
        with self.assertRaises(AccessError):
            self.standing_b.with_user(self.user_a).read(["score"])
        with self.assertRaises(AccessError):
            self.standing_a.with_user(self.user_a).write({"score": 100})
        History = self.env["cmr.tier.history"].with_user(self.user_a)
        self.assertEqual(History.search([]).partner_id, self.user_a.partner_id)

    def test_tour_customer_reads_tier_and_upgrade_path(self):
        self.start_tour("/my", "cmr_portal_tier", login=self.user_a.login)
