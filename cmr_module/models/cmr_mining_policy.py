from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CmrMiningPolicy(models.Model):
    """A company's parameters of the mining center: when a customer is at
    risk or churned, and how their lifetime value is estimated.

    One per company, created on first use with the defaults below. A
    customer category may set its own churn delay
    (``cmr.customer.category.churn_days``).
    """

    _name = "cmr.mining.policy"
    _inherit = ["cmr.input.guard"]
    _description = "Mining Center Policy"
    _rec_name = "company_id"
    _check_company_auto = True

    _input_number_ranges = {
        "risk_factor": (1.0, 100.0),
        "churn_days": (1, 3650),
        "clv_window_months": (1, 120),
        "clv_horizon_months": (1, 600),
        "clv_discount_rate": (0.0, 100.0),
        "clv_default_churn_rate": (0.0, 100.0),
        "clv_min_customers": (1, 1_000_000),
    }

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        ondelete="cascade",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    risk_factor = fields.Float(
        string="At-risk Factor",
        digits=(6, 2),
        default=2.0,
        required=True,
        help="A customer is at risk when the days since their last purchase "
        "exceed their own usual interval between purchases times this factor "
        "(at least 1).",
    )
    churn_days = fields.Integer(
        string="Churned after (days)",
        default=180,
        required=True,
        help="A customer is churned after this many days without a purchase, "
        "unless their customer category sets its own delay.",
    )
    clv_window_months = fields.Integer(
        string="Margin Window (months)",
        default=12,
        required=True,
        help="The lifetime value averages the customer's margin per month "
        "over this many past months; the churn rate of each customer "
        "category and tier is measured over the same months.",
    )
    clv_horizon_months = fields.Integer(
        string="Horizon (months)",
        default=60,
        required=True,
        help="The lifetime value adds up at most this many future months.",
    )
    clv_discount_rate = fields.Float(
        string="Discount Rate (% a year)",
        digits=(5, 2),
        default=8.0,
        required=True,
        help="Yearly rate at which future margin is discounted, between 0 and "
        "100 %; applied monthly as (1 + rate)^(1/12) - 1.",
    )
    clv_default_churn_rate = fields.Float(
        string="Default Churn Rate (% a month)",
        digits=(5, 2),
        default=2.0,
        required=True,
        help="Monthly churn rate used for a customer category and tier that "
        "has no customers to measure it on.",
    )

    clv_min_customers = fields.Integer(
        string="Customers to Measure a Churn Rate",
        default=10,
        required=True,
        help="A customer category and tier with fewer customers than this uses "
        "the default churn rate instead of its own.",
    )
    # Where the daily runs stand, so that the scheduler resumes them batch
    # by batch (and after a crash) instead of starting over.
    churn_run_date = fields.Date(string="Last Churn Run", readonly=True)
    churn_run_partner_id = fields.Integer(
        string="Churn Run Done Up To",
        readonly=True,
        help="The last customer id the churn run of that day has evaluated; "
        "-1 once the day's run is complete.",
    )
    clv_run_date = fields.Date(string="Last Lifetime Value Run", readonly=True)

    _sql_constraints = [
        ("company_uniq", "unique (company_id)", "A company has one mining policy."),
    ]

    @api.constrains(
        "risk_factor",
        "churn_days",
        "clv_window_months",
        "clv_horizon_months",
        "clv_discount_rate",
        "clv_default_churn_rate",
        "clv_min_customers",
    )
    def _check_parameters(self):
        # The input guard refuses what people type; this holds for any write.
        for policy in self:
            if policy.risk_factor < 1:
                raise ValidationError(
                    self.env._("The at-risk factor must be at least 1.")
                )
            if policy.churn_days < 1:
                raise ValidationError(
                    self.env._("The churn delay must be a positive number of days.")
                )
            if policy.clv_window_months < 1 or policy.clv_horizon_months < 1:
                raise ValidationError(
                    self.env._(
                        "The margin window and the horizon must be at least one month."
                    )
                )
            if not 0 <= policy.clv_discount_rate <= 100:
                raise ValidationError(
                    self.env._("The discount rate must be between 0 and 100 %.")
                )
            if not 0 <= policy.clv_default_churn_rate <= 100:
                raise ValidationError(
                    self.env._("The default churn rate must be between 0 and 100 %.")
                )
            if policy.clv_min_customers < 1:
                raise ValidationError(
                    self.env._("A churn rate is measured on at least one customer.")
                )

    @api.model
    def _get(self, company=None):
        """The company's policy, created with the defaults if missing."""
        company = company or self.env.company
        policy = self.sudo().search([("company_id", "=", company.id)], limit=1)
        return policy or self.sudo().create({"company_id": company.id})

    @api.model
    def action_open_policy(self):
        policy = self._get()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mining Center Policy"),
            "res_model": self._name,
            "res_id": policy.id,
            "view_mode": "form",
            "target": "current",
        }
