from odoo import api, fields, models
from odoo.exceptions import ValidationError

CRITERION_KINDS = [
    ("revenue", "Contribution: invoiced revenue"),
    ("margin", "Contribution: gross margin"),
    ("sales", "Contribution: confirmed sales"),
    ("payment_ontime", "Payment integrity: invoices paid on time (%)"),
    ("payment_delay", "Payment integrity: average days late"),
    ("compliance", "Compliance rating"),
    ("influence", "Influence rating"),
    ("referrals", "Influence: referrals"),
]


class CmrScoreCriterion(models.Model):
    """A weighted criterion of a ladder's score, normalised to 0-100."""

    _name = "cmr.score.criterion"
    _description = "Scoring Criterion"
    _order = "ladder_id, category_id, sequence, id"

    sequence = fields.Integer(default=10)
    ladder_id = fields.Many2one(
        "cmr.tier.ladder", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="ladder_id.company_id", store=True)
    category_id = fields.Many2one(
        "cmr.customer.category",
        string="Only for Category",
        ondelete="cascade",
        help="Empty: the default criteria. A category with criteria of its "
        "own is scored with those instead.",
    )
    kind = fields.Selection(CRITERION_KINDS, string="Criterion", required=True)
    weight = fields.Float(
        digits=(5, 2), required=True, help="Percent; the weights of a set sum to 100."
    )
    target = fields.Float(
        string="Full Marks At",
        digits=(16, 2),
        help="Amounts and referrals: the value that earns 100 points "
        "(less earns proportionally less).\n"
        "Average days late: the delay that earns 0 points (on time earns 100).\n"
        "Not used by percentages and ratings, which are already 0-100.",
    )
    unit = fields.Char(compute="_compute_unit")

    @api.depends("kind", "ladder_id.currency_id")
    def _compute_unit(self):
        units = {
            "payment_ontime": "%",
            "payment_delay": self.env._("days"),
            "referrals": self.env._("referrals"),
            "compliance": self.env._("points"),
            "influence": self.env._("points"),
        }
        for criterion in self:
            criterion.unit = units.get(
                criterion.kind, criterion.ladder_id.currency_id.symbol or ""
            )

    @api.constrains("weight", "target", "kind")
    def _check_weight_target(self):
        score_kinds = self.env["cmr.tier.evaluation"]._score_kinds()
        for criterion in self:
            if not 0 < criterion.weight <= 100:
                raise ValidationError(
                    self.env._("A criterion weight is between 0 and 100 percent.")
                )
            if criterion.kind not in score_kinds and criterion.target <= 0:
                raise ValidationError(
                    self.env._(
                        "Criterion “%(kind)s” needs a positive “Full Marks At” value.",
                        kind=dict(
                            self._fields["kind"]._description_selection(self.env)
                        )[criterion.kind],
                    )
                )
