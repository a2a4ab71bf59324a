from odoo import fields, models


class CmrTopic(models.Model):
    """Kind of information a customer may want to receive."""

    _name = "cmr.topic"
    _inherit = ["cmr.code.mixin"]
    _description = "Information Topic"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    wanted_by_default = fields.Boolean(
        help="Wanted by customers who have not chosen any topic yet "
        "(e.g. bill or safety notices).",
    )
