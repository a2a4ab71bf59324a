from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import TransactionCase

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT


class CmrTierCase(TransactionCase):
    """A company whose customer base the test owns, and a ladder in use.

    The ladder scores revenue only (full marks at 50,000): a customer's score
    is revenue / 500, so tiers follow from amounts the tests choose.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.company = cls.env.company
        if not cls.company.chart_template:
            cls.env["account.chart.template"].try_loading(
                "generic_coa", company=cls.company, install_demo=False
            )
        # Nobody else is a customer: the tests own the whole customer base.
        cls.env.cr.execute(
            "UPDATE res_partner SET customer_rank = 0, cmr_category_id = NULL"
        )
        cls.env["res.partner"].invalidate_model(["customer_rank", "cmr_category_id"])
        cls.today = fields.Date.context_today(cls.env.user)
        cls.ladder = cls._make_ladder(
            "threshold",
            [("Gold", 70), ("Ordinary", 30), ("Low", 0)],
            [("revenue", 100, 50000)],
        )
        cls.ladder.action_use_ladder()
        cls.gold, cls.ordinary, cls.low = cls.ladder._ordered_tiers()
        cls.product = cls.env["product.product"].create(
            {
                "name": "Gas",
                "type": "service",
                "list_price": 1.0,
                "standard_price": 0.6,
                "taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def _make_ladder(cls, method, tiers, criteria, company=None, **values):
        return (
            cls.env["cmr.tier.ladder"]
            .with_company(company or cls.company)
            .create(
                {
                    "name": f"Test ladder ({method})",
                    "company_id": (company or cls.company).id,
                    "active": False,
                    "method": method,
                    "downgrade_after": 1,
                    "tier_ids": [
                        Command.create(
                            {"name": name, "sequence": index, "bound": bound}
                        )
                        for index, (name, bound) in enumerate(tiers)
                    ],
                    "criterion_ids": [
                        Command.create(
                            {"kind": kind, "weight": weight, "target": target}
                        )
                        for kind, weight, target in criteria
                    ],
                    **values,
                }
            )
        )

    @classmethod
    def _customer(cls, name, **values):
        return cls.env["res.partner"].create(
            {"name": name, "customer_rank": 1, "lang": "en_US", **values}
        )

    @classmethod
    def _invoice(
        cls,
        partner,
        days_ago,
        amount,
        move_type="out_invoice",
        currency=None,
        company=None,
        due_days=0,
    ):
        """A posted invoice (or credit note) of ``amount`` untaxed."""
        company = company or cls.company
        date = cls.today - relativedelta(days=days_ago)
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": date,
                    "invoice_date_due": date + relativedelta(days=due_days),
                    "invoice_payment_term_id": False,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "quantity": amount,
                                "price_unit": 1.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        move.action_post()
        return move

    @classmethod
    def _pay(cls, move, days_ago, amount=None):
        values = {"payment_date": cls.today - relativedelta(days=days_ago)}
        if amount is not None:
            values["amount"] = amount
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create(values)._create_payments()

    def _evaluate(self, ladder=None, days_ago=0):
        return (ladder or self.ladder)._evaluate(
            today=self.today - relativedelta(days=days_ago)
        )

    def _standing(self, partner, ladder=None):
        return self.env["cmr.partner.tier"].search(
            [
                ("partner_id", "=", partner.id),
                ("ladder_id", "=", (ladder or self.ladder).id),
            ]
        )
