from odoo import fields, models


class CmrTier(models.Model):
    """One rung of a tier ladder (Gold, Ordinary, Low; or VIP, Care...)."""

    _name = "cmr.tier"
    _description = "Customer Tier"
    _order = "ladder_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        default=10, help="Best tier first: the top of the ladder has the lowest."
    )
    ladder_id = fields.Many2one(
        "cmr.tier.ladder", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="ladder_id.company_id", store=True, index=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    method = fields.Selection(related="ladder_id.method")
    bound = fields.Float(
        string="Threshold",
        digits=(16, 2),
        help="Score ladder: the lowest score of this tier (0 for the last tier).\n"
        "Rank percentile: the tier holds the customers ranked in the top X % "
        "(cumulative, 100 for the last tier).\n"
        "Pareto: the tier holds the customers that bring the first X % of the "
        "revenue (cumulative, 100 for the last tier).",
    )
    color = fields.Integer()
    benefits = fields.Html(
        translate=True, help="What customers of this tier receive; shown to them."
    )
    last_min_score = fields.Float(
        string="Entry Score at Last Run",
        digits=(16, 2),
        readonly=True,
        help="The lowest score that reached this tier at the last evaluation.",
        groups="cmr_module.group_cmr_user",
    )
    last_min_revenue = fields.Monetary(
        string="Entry Revenue at Last Run",
        readonly=True,
        help="The lowest revenue that reached this tier at the last evaluation.",
        groups="cmr_module.group_cmr_user",
    )
    customer_count = fields.Integer(
        string="Customers",
        compute="_compute_customer_count",
        groups="cmr_module.group_cmr_user",
    )

    def _compute_customer_count(self):
        counts = dict(
            self.env["cmr.partner.tier"]._read_group(
                [("tier_id", "in", self.ids)], ["tier_id"], ["__count"]
            )
        )
        for tier in self:
            tier.customer_count = counts.get(tier, 0)

    def action_view_customers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_partner_tier_action"
        )
        action["domain"] = [("tier_id", "=", self.id)]
        action["context"] = {}
        return action
