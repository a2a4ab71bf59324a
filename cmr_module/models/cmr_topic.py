from odoo import fields, models


class CmrTopic(models.Model):
    """Kind of information a customer may want to receive."""

    _name = "cmr.topic"
    _inherit = ["cmr.code.mixin"]
    _description = "Information Topic"

    description = fields.Text(translate=True)
    wanted_by_default = fields.Boolean(
        help="Wanted by customers who have not chosen any topic yet "
        "(e.g. bill or safety notices).",
    )
