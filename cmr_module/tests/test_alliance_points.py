from datetime import timedelta

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .alliance_common import AllianceCase


@tagged("post_install", "-at_install")
class TestAlliancePoints(AllianceCase):
    def test_history_keeps_its_card_and_expiry(self):
        line = self.card._earn(40)
        expires_on = line.expires_on
        self.assertTrue(expires_on)
        # A new validity applies to new points only.
        self.alliance.points_validity_days = (
            self.alliance.points_validity_days or 365
        ) + 100
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(line.expires_on, expires_on)
        # The card's holder stays: its history names them.
        with self.assertRaisesRegex(UserError, "keeps its holder"):
            self.card.partner_id = self.member_2
        self.assertEqual(line.partner_id, self.member)

    def test_no_transaction_once_the_alliance_has_ended(self):
        self.alliance.date_end = self.today - timedelta(days=1)
        with self.assertRaisesRegex(UserError, "has no agreement"):
            self.agreement_a._record_purchase(self.card.card_number, 50.0)
        self.alliance.date_end = False
        self.alliance.action_archive()
        with self.assertRaisesRegex(UserError, "has no agreement"):
            self.agreement_a._record_purchase(self.card.card_number, 50.0)
        self.assertFalse(self.card.line_ids)

    def test_card_number_has_a_check_digit(self):
        Membership = self.env["cmr.membership"]
        number = self.card.card_number
        self.assertEqual(len(number), 16)
        self.assertNotEqual(number, self.card_2.card_number)
        self.assertEqual(Membership._find_card(number, self.alliance), self.card)
        # Spaces as printed on the card are fine.
        spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
        self.assertEqual(Membership._find_card(spaced, self.alliance), self.card)
        mistyped = number[:-1] + str((int(number[-1]) + 1) % 10)
        with self.assertRaisesRegex(UserError, "Mistyped card number"):
            Membership._find_card(mistyped, self.alliance)
        # Swapping two neighbouring digits is caught too (unless they are equal).
        swapped = number[:5] + number[6] + number[5] + number[7:]
        if swapped != number:
            with self.assertRaisesRegex(UserError, "Mistyped card number"):
                Membership._find_card(swapped, self.alliance)
        unknown = Membership._card_number("123456789012345")
        with self.assertRaisesRegex(UserError, "Unknown card number"):
            Membership._find_card(unknown, self.alliance)
        with self.assertRaises(ValidationError):
            Membership.create(
                {
                    "partner_id": self.env["res.partner"].create({"name": "X"}).id,
                    "alliance_id": self.alliance.id,
                    "card_number": mistyped,
                }
            )

    def test_one_card_per_alliance_several_alliances(self):
        other = self.env["cmr.alliance"].create(
            {"name": "Big customers", "alliance_type": "big_customer"}
        )
        card = self.env["cmr.membership"].create(
            {"partner_id": self.member.id, "alliance_id": other.id}
        )
        self.assertEqual(len(self.member.cmr_membership_ids), 2)
        self.assertEqual(
            card.date_end, card.date_start + relativedelta(months=12, days=-1)
        )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env["cmr.membership"].create(
                    {"partner_id": self.member.id, "alliance_id": other.id}
                )

    def test_earn_redeem_expire_first_in_first_out(self):
        old = self.earn(self.card, 100, days_ago=90)
        middle = self.earn(self.card, 50, days_ago=20)
        new = self.earn(self.card, 30, days_ago=1)
        self.assertEqual(self.card.balance, 180)
        self.agreement_a._record_redemption(self.card.card_number, 120)
        # The oldest earning is used up first, then the next one.
        self.assertEqual(self.open_points(old | middle | new), [0, 30, 30])
        self.card.invalidate_recordset(["balance"])
        self.assertEqual(self.card.balance, 60)
        # 85 days later the middle earning (100-day validity) has expired.
        Line = self.env["cmr.points.line"]
        later = self.today + timedelta(days=85)
        self.assertEqual(Line._expire_points(later, self.card.ids), 30)
        self.assertEqual(self.open_points(old | middle | new), [0, 0, 30])
        expiry = Line.search(
            [("membership_id", "=", self.card.id), ("kind", "=", "expire")]
        )
        self.assertEqual(expiry.points, -30)
        # Appended in SQL: the stored related fields and the audit come along.
        self.assertEqual(
            (expiry.partner_id, expiry.alliance_id, expiry.company_id),
            (self.card.partner_id, self.card.alliance_id, self.card.company_id),
        )
        self.assertEqual(expiry.create_uid, self.env.user)
        self.assertTrue(expiry.create_date)
        self.assertEqual(self.card.balance, 30)
        # Running the expiry again (for every card) changes nothing on this one.
        Line._expire_points(later)
        self.assertEqual(Line._expire_points(later), 0)
        self.assertEqual(
            Line.search_count(
                [("membership_id", "=", self.card.id), ("kind", "=", "expire")]
            ),
            1,
        )

    def test_redemption_expires_old_points_first(self):
        self.earn(self.card, 100, days_ago=150)  # older than the 100-day validity
        self.earn(self.card, 10, days_ago=1)
        with self.assertRaisesRegex(UserError, "does not have"):
            self.agreement_a._record_redemption(self.card.card_number, 50)
        self.agreement_a._record_redemption(self.card.card_number, 10)
        self.assertEqual(self.card.balance, 0)

    def test_purchase_at_merchant_earns_at_its_rate(self):
        line = self.agreement_b._record_purchase(
            self.card.card_number, 35.5, reference="R1"
        )
        self.assertEqual(line.points, 71)
        self.assertEqual(line.merchant_id, self.merchant_b)
        self.assertEqual(line.kind, "earn")
        self.assertEqual(line.expires_on, line.date.date() + timedelta(days=100))
        redeem = self.agreement_a._record_redemption(
            self.card.card_number, 40, product=self.wash_service
        )
        self.assertEqual(redeem.points, -40)
        self.assertAlmostEqual(redeem.amount, 2.0)
        self.assertEqual(self.card.balance, 31)

    def test_bad_input_writes_nothing(self):
        self.earn(self.card, 100)
        Line = self.env["cmr.points.line"]
        count = Line.search_count([])
        number = self.card.card_number
        store = self.env["product.product"].create({"name": "Snacks", "type": "consu"})
        bad = [
            (
                lambda: self.agreement_a._record_redemption(number, 101),
                "does not have",
            ),
            (lambda: self.agreement_a._record_redemption(number, -5), "positive"),
            (lambda: self.agreement_a._record_redemption(number, 0), "positive"),
            (lambda: self.agreement_a._record_purchase(number, -10.0), "positive"),
            (
                lambda: self.agreement_a._record_purchase(number, 0.4),
                "earns no points",
            ),
            (
                lambda: self.agreement_a._record_purchase(number, 10, store),
                "does not accept",
            ),
            (lambda: self.agreement_a._record_purchase("1234", 10), "Mistyped"),
        ]
        for call, message in bad:
            with self.assertRaisesRegex(UserError, message):
                call()
        self.card_2.action_suspend()
        with self.assertRaisesRegex(UserError, "suspended"):
            self.agreement_a._record_purchase(self.card_2.card_number, 10)
        self.card_2.write(
            {
                "state": "active",
                "date_start": self.today - timedelta(days=30),
                "date_end": self.today - timedelta(days=1),
            }
        )
        with self.assertRaisesRegex(UserError, "not valid"):
            self.agreement_a._record_purchase(self.card_2.card_number, 10)
        self.agreement_b.date_end = self.today - timedelta(days=1)
        with self.assertRaisesRegex(UserError, "no agreement"):
            self.agreement_b._record_purchase(number, 10)
        self.assertEqual(Line.search_count([]), count)
        self.assertEqual(self.card.balance, 100)

    def test_ledger_is_append_only(self):
        line = self.earn(self.card, 10)
        # The addon's one append-only rule, with the ledger's own hint.
        with self.assertRaisesRegex(UserError, "append-only.*Adjust the card"):
            line.write({"points": 1000})
        with self.assertRaisesRegex(UserError, "append-only.*Adjust the card"):
            line.unlink()
        self.agreement_a._record_redemption(self.card.card_number, 5)
        allocation = self.env["cmr.points.allocation"].search(
            [("consumer_line_id.membership_id", "=", self.card.id)]
        )
        self.assertEqual(allocation.points, 5)
        with self.assertRaises(UserError):
            allocation.write({"points": 1})
        with self.assertRaises(UserError):
            allocation.unlink()

    def test_adjustment_needs_a_reason_and_never_goes_negative(self):
        self.earn(self.card, 20)
        with self.assertRaisesRegex(UserError, "reason"):
            self.card._adjust(5, " ")
        with self.assertRaisesRegex(UserError, "cannot be taken off"):
            self.card._adjust(-21, "Correction")
        self.card._adjust(-15, "Correction of a double scan")
        wizard = self.env["cmr.points.adjust.wizard"].create(
            {"membership_id": self.card.id, "points": 7, "reason": "Goodwill"}
        )
        wizard.action_adjust()
        self.assertEqual(self.card.balance, 12)

    def test_card_lifecycle(self):
        self.card.action_suspend()
        self.assertEqual(self.card.state, "suspended")
        self.card.action_reactivate()
        self.assertEqual(self.card.state, "active")
        self.card.write(
            {
                "date_start": self.today - timedelta(days=400),
                "date_end": self.today - timedelta(days=3),
            }
        )
        self.env["cmr.membership"]._expire_cards()
        self.assertEqual(self.card.state, "expired")
        with self.assertRaisesRegex(UserError, "renew"):
            self.card.action_reactivate()
        self.card.action_renew()
        self.assertEqual(self.card.state, "active")
        self.assertGreater(self.card.date_end, self.today + timedelta(days=300))
        # A new policy applies to new cards and renewals, not to issued cards.
        date_end = self.card.date_end
        self.alliance.card_validity_months = 6
        self.env.flush_all()
        self.card.invalidate_recordset()
        self.assertEqual(self.card.date_end, date_end)

    def test_paid_invoices_earn_once(self):
        invoice = self.posted_invoice(self.member, 250.0)
        Line = self.env["cmr.points.line"]
        self.assertFalse(Line._earn_from_company(), "unpaid: no points")
        self.pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        lines = Line._earn_from_company()
        self.assertEqual(lines.membership_id, self.card)
        self.assertEqual(lines.points, 250)
        self.assertEqual(lines.move_id, invoice)
        self.assertFalse(Line._earn_from_company(), "an invoice earns once")
        self.env.ref("cmr_module.ir_cron_cmr_points_earn").method_direct_trigger()
        self.assertEqual(Line.search_count([("move_id", "=", invoice.id)]), 1)

    def test_credit_notes_take_points_back_once(self):
        Line = self.env["cmr.points.line"]
        invoice = self.pay(self.posted_invoice(self.member, 250.0))
        Line._earn_from_company()
        self.assertEqual(self.card.balance, 250)
        refund = self.posted_invoice(self.member, 100.0, refunds=invoice)
        lines = Line._take_back_refunds()
        self.assertEqual(lines.points, -100)
        self.assertEqual(lines.kind, "adjust")
        self.assertEqual(lines.move_id, refund)
        self.assertFalse(Line._take_back_refunds(), "a credit note counts once")
        self.card.invalidate_recordset(["balance"])
        self.assertEqual(self.card.balance, 150)
        # The member spent most of the rest: only what is left is taken back.
        self.agreement_a._record_redemption(self.card.card_number, 120)
        self.posted_invoice(self.member, 150.0, refunds=invoice)
        self.env.ref("cmr_module.ir_cron_cmr_points_earn").method_direct_trigger()
        self.card.invalidate_recordset(["balance"])
        self.assertEqual(self.card.balance, 0)

    def test_confirmed_orders_earn_once(self):
        self.alliance.earn_source = "order"
        product = self.env["product.product"].create(
            {"name": "Lubricant", "type": "consu", "list_price": 80.0, "taxes_id": []}
        )
        order = self.sale_order(self.member_2, product)
        Line = self.env["cmr.points.line"]
        self.assertFalse(Line._earn_from_company())
        order.action_confirm()
        lines = Line._earn_from_company()
        self.assertEqual(lines.membership_id, self.card_2)
        self.assertEqual(lines.points, 160)
        self.assertFalse(Line._earn_from_company())

    def test_activity_rate(self):
        self.agreement_a._record_purchase(self.card.card_number, 10)
        self.alliance.invalidate_recordset()
        self.assertEqual(self.alliance.member_count, 2)
        self.assertEqual(self.alliance.active_member_count, 1)
        self.assertAlmostEqual(self.alliance.activity_rate, 50.0)
        self.assertAlmostEqual(self.agreement_a.activity_rate, 50.0)
        self.assertAlmostEqual(self.agreement_b.activity_rate, 0.0)
        self.assertEqual(self.member.cmr_points_balance, 10)
        self.assertEqual(self.member.cmr_membership_count, 1)
