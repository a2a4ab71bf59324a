from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CmrScoreRating(models.Model):
    """A manual compliance or influence rating of a customer, with its reason.

    The latest rating of each kind counts in the score; older ones stay as
    the record of how the judgement evolved.
    """

    _name = "cmr.score.rating"
    _description = "Customer Rating"
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    kind = fields.Selection(
        [("compliance", "Compliance"), ("influence", "Influence")],
        required=True,
        default="compliance",
    )
    value = fields.Float(string="Rating (0-100)", digits=(5, 2), required=True)
    reason = fields.Char(required=True)
    date = fields.Date(default=fields.Date.context_today, required=True)
    user_id = fields.Many2one(
        "res.users",
        string="Rated by",
        default=lambda self: self.env.user,
        readonly=True,
    )

    @api.constrains("value", "reason")
    def _check_value(self):
        for rating in self:
            if not 0 <= rating.value <= 100:
                raise ValidationError(self.env._("A rating is between 0 and 100."))
            if not (rating.reason or "").strip():
                raise ValidationError(self.env._("A rating needs a reason."))
