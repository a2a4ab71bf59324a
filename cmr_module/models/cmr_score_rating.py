from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .cmr_input_guard import NAME_MAX


class CmrScoreRating(models.Model):
    """A manual compliance or influence rating of a customer, with its reason.

    The latest rating of each kind counts in the score; older ones stay as
    the record of how the judgement evolved. Ratings are append-only: a new
    judgement is a new rating. Who rated and when are set by the server, so
    a rating cannot be put in another's name nor dated ahead to win the
    evaluations to come.
    """

    _name = "cmr.score.rating"
    _inherit = ["cmr.input.guard", "cmr.append.only.mixin"]
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
    reason = fields.Char(
        required=True, help=f"Why this rating, at most {NAME_MAX} characters."
    )
    date = fields.Date(
        default=fields.Date.context_today,
        required=True,
        readonly=True,
        help="The day the rating was given; set by the server.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Rated by",
        default=lambda self: self.env.user,
        readonly=True,
    )

    _input_text_limits = {"reason": NAME_MAX}
    _input_number_ranges = {"value": (0, 100)}

    @api.constrains("value", "reason")
    def _check_value(self):
        for rating in self:
            if not 0 <= rating.value <= 100:
                raise ValidationError(self.env._("A rating is between 0 and 100."))
            if not (rating.reason or "").strip():
                raise ValidationError(self.env._("A rating needs a reason."))

    @api.constrains("date")
    def _check_date(self):
        today = fields.Date.context_today(self)
        if any(rating.date > today for rating in self):
            raise ValidationError(self.env._("A rating cannot be dated in the future."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # The rater and the day are facts of this request, never values
            # a client sends (the addon's own code, as superuser, may load
            # older ratings, e.g. an import of past audits).
            today = fields.Date.context_today(self)
            vals_list = [
                dict(vals, user_id=self.env.uid, date=today) for vals in vals_list
            ]
        return super().create(vals_list)

    def _append_only_hint(self):
        return self.env._("Give a new rating instead.")
