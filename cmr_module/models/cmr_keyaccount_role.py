from odoo import fields, models


class CmrKeyaccountRole(models.Model):
    """A role on a key-account team: lead, sales, service, logistics,
    production, IT support… The list is configurable; exactly one role is
    the lead's."""

    _name = "cmr.keyaccount.role"
    _inherit = "cmr.code.mixin"
    _description = "Key-account Team Role"

    is_lead = fields.Boolean(
        string="Team Lead",
        help="Every key-account team has exactly one member in a lead role.",
    )
    description = fields.Text(
        translate=True, help="What this member does for the customer."
    )
