from odoo import api, fields, models

from .cmr_complaint_selections import FACTOR_TYPES


class CmrMiningChurnReason(models.Model):
    """Why a customer left or is about to: price, service quality, moved
    away, a competitor, a complaint left unresolved…

    Each reason carries the seeds' dissatisfaction factor type, as the
    complaints do, so that churn and complaints are read side by side.
    """

    _name = "cmr.mining.churn.reason"
    _inherit = "cmr.code.mixin"
    _description = "Churn Reason"

    factor_type = fields.Selection(
        FACTOR_TYPES,
        required=True,
        default="dissatisfaction",
        help="Basic: the product or service itself; value: what it is worth "
        "for its price; dissatisfaction: how the customer was treated; "
        "secondary: circumstances outside the offer (moved away, closed).",
    )
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Offered for the customers of this company only; empty: of every company.",
    )

    @api.model
    def _portal_reasons(self, company):
        """The active reasons a customer of ``company`` may choose in the
        portal (as superuser: customers have no access to the catalogue),
        names in the reader's language."""
        return self.sudo().search(
            [("company_id", "in", [False, company.id])], order="sequence, id"
        )
