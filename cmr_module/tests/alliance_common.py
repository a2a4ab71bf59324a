"""Fixtures of the alliance tests: one alliance with two merchants, their
portal users and two members, and the builders the tests share."""

import re
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, common, new_test_user

from odoo.addons.base.tests.common import (
    DISABLED_MAIL_CONTEXT,
    HttpCaseWithUserPortal,
)

from .common import RaceMixin, committed_env


class AllianceMixin:
    """An alliance with two merchants, their portal users and two members."""

    @classmethod
    def _member_user(cls):
        """The first member's portal user."""
        return new_test_user(
            cls.env, login="cmr_member_1", groups="base.group_portal", name="Member One"
        )

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
        cls.merchant_user_a = cls._portal_user("cmr_merchant_a", "Counter A")
        cls.merchant_user_a.partner_id.parent_id = cls.merchant_a
        cls.merchant_user_b = cls._portal_user("cmr_merchant_b", "Counter B")
        cls.merchant_user_b.partner_id.parent_id = cls.merchant_b
        cls.member_user = cls._member_user()
        cls.member_user_2 = cls._portal_user("cmr_member_2", "Member Two")
        cls.member = cls.member_user.partner_id
        cls.member.write(
            {"name": "Member One", "email": "member.one@example.com", "phone": "+86 1"}
        )
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
        # The fixtures are dated in the zone of the users the tests create
        # (none: UTC). In the administrator's zone (Europe/Brussels in Odoo's
        # demo data) a card issued at 23:30 UTC would start the next day, a
        # day the merchant's counter has not reached yet.
        cls.env = cls.env(
            context=dict(cls.env.context, tz="UTC", **DISABLED_MAIL_CONTEXT)
        )
        cls._setup_alliance()

    @classmethod
    def _portal_user(cls, login, name):
        """A portal user whose password is its login."""
        return new_test_user(
            cls.env, login=login, groups="base.group_portal", name=name
        )

    @classmethod
    def earn(cls, card, points, days_ago=0, agreement=None, date=None):
        """A ledger line earning ``points`` on ``card`` (as the card's own
        methods write it, superuser), ``days_ago`` or at ``date``."""
        return cls.env["cmr.points.line"].create(
            {
                "membership_id": card.id,
                "kind": "earn",
                "points": points,
                "agreement_id": agreement.id if agreement else False,
                "date": date or fields.Datetime.now() - timedelta(days=days_ago),
            }
        )

    def open_points(self, lines):
        """{earn line: points left} from the allocations."""
        rows = self.env["cmr.points.line"]._open_earnings(lines.membership_id.ids)
        left = {row[0]: row[2] for row in rows}
        return [left.get(line.id, 0) for line in lines]

    def posted_invoice(self, partner, amount, refunds=None):
        """A posted customer invoice of ``amount`` without taxes, or, with
        ``refunds``, a credit note of that invoice."""
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_refund" if refunds else "out_invoice",
                "partner_id": partner.id,
                "invoice_date": self.today,
                "reversed_entry_id": refunds.id if refunds else False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Fuel returned" if refunds else "Fuel",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def pay(self, invoice):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        return invoice

    def sale_order(self, partner, product, quantity=2, user=None):
        """A draft sales order of ``quantity`` ``product``, without taxes,
        by ``user`` (default: the superuser)."""
        return (
            self.env["sale.order"]
            .with_user(user or self.env.user)
            .create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": quantity,
                                "tax_id": [],
                            }
                        )
                    ],
                }
            )
        )


class AllianceCase(AllianceMixin, TransactionCase):
    """The alliance fixtures in a transaction rolled back after the class."""


class AllianceHttpCase(AllianceMixin, HttpCaseWithUserPortal):
    """The alliance fixtures for the portal pages and tours; the first member
    is Odoo's portal user of ``HttpCaseWithUserPortal``."""

    @classmethod
    def _member_user(cls):
        return cls.user_portal

    def login_as(self, user):
        """Log ``user`` in (the fixtures' passwords are their logins)."""
        self.authenticate(user.login, user.login)

    def counter_post(self, token, quantity, kind="purchase", card=None, **extra):
        """Post the merchant's counter form as the logged-in merchant."""
        return self.url_open(
            "/my/merchant",
            data={
                "csrf_token": token,
                "card_number": (card or self.card).card_number,
                "kind": kind,
                "quantity": quantity,
                **extra,
            },
        )

    def csrf_token(self, url):
        """The page at ``url`` and the CSRF token of its form."""
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response, re.search(
            r'name="csrf_token" value="([^"]+)"', response.text
        ).group(1)


# ----------------------------------------------------------------------
# Two transactions at the same moment (committed fixtures)
# ----------------------------------------------------------------------


class AllianceRaceCase(RaceMixin, common.BaseCase):
    """An alliance, a merchant, a member and a card with 100 points,
    committed (each transaction of a race sees them), removed after each
    test; ``race`` runs an action in two transactions at the same moment."""

    # The alliance's values: each test class may change them.
    alliance_values = {"points_validity_days": 0, "redeem_check": "none"}

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            alliance = env["cmr.alliance"].create(
                {"name": "Race alliance", **self.alliance_values}
            )
            merchant = env["res.partner"].create(
                {"name": "Race merchant", "is_company": True}
            )
            member = env["res.partner"].create(
                {"name": "Race member", "email": "race.member@example.com"}
            )
            agreement = env["cmr.alliance.merchant"].create(
                {
                    "alliance_id": alliance.id,
                    "partner_id": merchant.id,
                    "date_start": fields.Date.today().replace(day=1)
                    - timedelta(days=40),
                }
            )
            card = env["cmr.membership"].create(
                {"partner_id": member.id, "alliance_id": alliance.id}
            )
            card._earn(100, agreement=agreement)
            self.ids = {
                "alliance": alliance.id,
                "merchant": merchant.id,
                "member": member.id,
                "agreement": agreement.id,
                "card": card.id,
            }
            self.card_number = card.card_number
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        # The ledger and statements refuse deletes through the ORM: SQL.
        with committed_env() as env:
            cr = env.cr
            ids = self.ids
            cr.execute(
                "SELECT invoice_id, bill_id FROM cmr_settlement "
                "WHERE agreement_id = %s",
                [ids["agreement"]],
            )
            move_ids = [i for row in cr.fetchall() for i in row if i]
            cr.execute(
                "DELETE FROM cmr_settlement WHERE agreement_id = %s", [ids["agreement"]]
            )
            if move_ids:
                env["account.move"].browse(move_ids).unlink()
            cr.execute(
                """
                DELETE FROM cmr_points_allocation
                 WHERE consumer_line_id IN (SELECT id FROM cmr_points_line
                                             WHERE membership_id = %s)
                """,
                [ids["card"]],
            )
            cr.execute(
                "DELETE FROM cmr_points_line WHERE membership_id = %s", [ids["card"]]
            )
            orders = env["sale.order"].search([("partner_id", "=", ids["member"])])
            products = orders.order_line.product_id.product_tmpl_id
            if orders:
                cr.execute(
                    "UPDATE sale_order SET state = 'cancel' WHERE id = ANY(%s)",
                    [orders.ids],
                )
                orders.invalidate_recordset(["state"])
            orders.unlink()
            products.unlink()
            cr.execute(
                "DELETE FROM cmr_membership_code WHERE membership_id = %s",
                [ids["card"]],
            )
            cr.execute("DELETE FROM cmr_contact WHERE partner_id = %s", [ids["member"]])
            cr.execute("DELETE FROM cmr_membership WHERE id = %s", [ids["card"]])
            cr.execute(
                "DELETE FROM cmr_alliance_merchant WHERE id = %s", [ids["agreement"]]
            )
            cr.execute("DELETE FROM cmr_alliance WHERE id = %s", [ids["alliance"]])
            env["mail.mail"].search(
                [("email_to", "ilike", "race.member@example.com")]
            ).unlink()
            cr.execute(
                "DELETE FROM res_partner WHERE id IN %s",
                [(ids["merchant"], ids["member"])],
            )
