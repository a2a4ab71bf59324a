from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user


class AllianceMixin:
    """An alliance with two merchants, their portal users and two members."""

    @classmethod
    def _setup_alliance(cls):
        cls.today = fields.Date.context_today(cls.env.user)
        Partner = cls.env["res.partner"]
        cls.wash_service = cls.env["product.product"].create(
            {"name": "Test wash", "type": "service"}
        )
        cls.alliance = cls.env["cmr.alliance"].create(
            {
                "name": "Test fuel alliance",
                "alliance_type": "merchant",
                "earn_source": "invoice",
                "earn_rate": 1.0,
                "points_validity_days": 100,
                # The ledger's tests redeem without the holder's code or PIN;
                # test_alliance_consent tests the consent of each kind.
                "redeem_check": "none",
                "benefit_ids": [Command.create({"name": "Free wash"})],
            }
        )
        cls.merchant_a = Partner.create({"name": "Wash A", "is_company": True})
        cls.merchant_b = Partner.create({"name": "Store B", "is_company": True})
        cls.agreement_a = cls.env["cmr.alliance.merchant"].create(
            {
                "alliance_id": cls.alliance.id,
                "partner_id": cls.merchant_a.id,
                "date_start": cls.today - timedelta(days=30),
                "earn_rate": 1.0,
                "redeem_rate": 0.05,
                "settlement_rate": 0.04,
                "service_ids": [Command.set(cls.wash_service.ids)],
            }
        )
        cls.agreement_b = cls.env["cmr.alliance.merchant"].create(
            {
                "alliance_id": cls.alliance.id,
                "partner_id": cls.merchant_b.id,
                "date_start": cls.today - timedelta(days=30),
                "earn_rate": 2.0,
                "redeem_rate": 0.01,
                "settlement_rate": 0.008,
            }
        )
        cls.merchant_user_a = new_test_user(
            cls.env,
            login="cmr_merchant_a",
            groups="base.group_portal",
            name="Counter A",
        )
        cls.merchant_user_a.partner_id.parent_id = cls.merchant_a
        cls.merchant_user_b = new_test_user(
            cls.env,
            login="cmr_merchant_b",
            groups="base.group_portal",
            name="Counter B",
        )
        cls.merchant_user_b.partner_id.parent_id = cls.merchant_b
        cls.member_user = new_test_user(
            cls.env, login="cmr_member_1", groups="base.group_portal", name="Member One"
        )
        cls.member_user_2 = new_test_user(
            cls.env, login="cmr_member_2", groups="base.group_portal", name="Member Two"
        )
        cls.member = cls.member_user.partner_id
        cls.member.write({"email": "member.one@example.com", "phone": "+86 1"})
        cls.member_2 = cls.member_user_2.partner_id
        Membership = cls.env["cmr.membership"]
        # A known number for the tours; the second card gets one from the sequence.
        cls.card = Membership.create(
            {
                "partner_id": cls.member.id,
                "alliance_id": cls.alliance.id,
                "card_number": "8860970000000014",
            }
        )
        cls.card_2 = Membership.create(
            {"partner_id": cls.member_2.id, "alliance_id": cls.alliance.id}
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls._setup_alliance()

    def earn(self, card, points, days_ago=0, agreement=None):
        return self.env["cmr.points.line"].create(
            {
                "membership_id": card.id,
                "kind": "earn",
                "points": points,
                "agreement_id": agreement.id if agreement else False,
                "date": fields.Datetime.now() - timedelta(days=days_ago),
            }
        )

    def open_points(self, lines):
        """{earn line: points left} from the allocations."""
        rows = self.env["cmr.points.line"]._cmr_open_earnings(lines.membership_id.ids)
        left = {row[0]: row[2] for row in rows}
        return [left.get(line.id, 0) for line in lines]


class AllianceCase(AllianceMixin, TransactionCase):
    """The alliance fixtures in a transaction rolled back after the class."""
