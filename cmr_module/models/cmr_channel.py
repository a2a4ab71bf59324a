from odoo import fields, models


class CmrChannel(models.Model):
    """A way to reach a customer: e-mail, SMS, phone, WeChat, post, visit."""

    _name = "cmr.channel"
    _inherit = ["cmr.code.mixin"]
    _description = "Contact Channel"

    accepted_by_default = fields.Boolean(
        help="Accepted for customers who have not ranked any channel yet.",
    )
    delivery = fields.Selection(
        [("email", "Sent by e-mail"), ("manual", "Delivered by staff")],
        default="manual",
        required=True,
        help="E-mail messages leave Odoo at once; on other channels a staff "
        "member gets an activity and marks the contact as delivered.",
    )
