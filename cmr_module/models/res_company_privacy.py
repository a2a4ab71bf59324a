from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    cmr_erasure_days = fields.Integer(
        string="Erasure Due Within (days)",
        default=30,
        help="Days within which a customer's erasure request must be handled.",
    )
    cmr_erasure_reminder_days = fields.Integer(
        string="Remind Erasures Due Within (days)",
        default=7,
        help="CMR Managers get a to-do on each erasure request still to review "
        "this many days before its due date (once per request; 0: no reminder).",
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

    _sql_constraints = [
        (
            "cmr_erasure_reminder_days_range",
            "CHECK(cmr_erasure_reminder_days BETWEEN 0 AND 365)",
            "Erasure reminders come 0 to 365 days before the due date.",
        ),
    ]
