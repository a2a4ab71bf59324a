from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    cmr_erasure_days = fields.Integer(
        string="Erasure Due Within (days)",
        default=30,
        help="Days within which a customer's erasure request must be handled.",
    )
    cmr_erasure_name_policy = fields.Selection(
        [
            ("pseudonymise", "Replace by a pseudonym"),
            ("keep", "Keep (the law requires it on invoices)"),
        ],
        string="Erased Customer's Name",
        default="pseudonymise",
        required=True,
        help="What becomes of the name of an erased customer whose invoices "
        "and payments the law keeps.",
    )
