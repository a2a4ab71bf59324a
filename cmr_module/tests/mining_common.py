from dateutil.relativedelta import relativedelta

from odoo import Command

from .tier_common import CmrTierCase


class CmrMiningCase(CmrTierCase):
    """The tier fixture (a company whose customer base the tests own, a gas
    product sold at 1.00 with a cost of 0.60) plus the mining policy:
    at risk beyond twice the usual interval, churned after 180 days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["cmr.mining.policy"]._get(cls.company)
        cls.policy.write(
            {
                "risk_factor": 2.0,
                "churn_days": 180,
                "clv_window_months": 12,
                "clv_horizon_months": 24,
                "clv_discount_rate": 0.0,
                "clv_default_churn_rate": 2.0,
                "clv_min_customers": 1,
            }
        )
        cls.engine = cls.env["cmr.mining.engine"]
        cls.fleet = cls.env["cmr.customer.category"].create(
            {"name": "Test bus fleets", "code": "test_fleet", "churn_days": 60}
        )
        cls.homes = cls.env["cmr.customer.category"].create(
            {"name": "Test homes", "code": "test_homes"}
        )

    @classmethod
    def _purchases(cls, partner, days_ago_list, amount=100):
        for days_ago in days_ago_list:
            cls._invoice(partner, days_ago, amount)

    def _run(self, days_ago=0, **kwargs):
        return self.engine._run_churn(
            self.company, self.today - relativedelta(days=days_ago), **kwargs
        )

    def _clv(self, days_ago=0):
        return self.engine._run_clv(
            self.company, self.today - relativedelta(days=days_ago)
        )

    def _activity(self, partner):
        return self.env["cmr.mining.activity"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
        )

    def _events(self, partner):
        return self.env["cmr.mining.event"].search(
            [("partner_id", "=", partner.id)], order="date, id"
        )

    def _day(self, days_ago):
        return self.today - relativedelta(days=days_ago)

    @classmethod
    def _order(cls, partner, days_ago, amount=100):
        """A confirmed sales order dated ``days_ago``, not invoiced."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": amount,
                            "price_unit": 1.0,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        order.date_order = cls.today - relativedelta(days=days_ago)
        return order
