from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class CmrSettlementWizard(models.TransientModel):
    """Settle merchant agreements for a period (default: last month)."""

    _name = "cmr.settlement.wizard"
    _description = "Settle Merchants"

    date_from = fields.Date(
        string="From", required=True, default=lambda self: self._default_date_from()
    )
    date_to = fields.Date(
        string="To", required=True, default=lambda self: self._default_date_to()
    )
    alliance_id = fields.Many2one("cmr.alliance")
    agreement_ids = fields.Many2many(
        "cmr.alliance.merchant",
        string="Merchant Agreements",
        help="Leave empty to settle every merchant (of the alliance).",
    )

    @api.model
    def _default_date_from(self):
        return fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)

    @api.model
    def _default_date_to(self):
        return fields.Date.context_today(self).replace(day=1) - relativedelta(days=1)

    def action_settle(self):
        self.ensure_one()
        agreements = self.agreement_ids
        if not agreements:
            domain = [("company_id", "in", self.env.companies.ids)]
            if self.alliance_id:
                domain.append(("alliance_id", "=", self.alliance_id.id))
            agreements = self.env["cmr.alliance.merchant"].search(domain)
        settlements = self.env["cmr.settlement"]._settle(
            agreements, self.date_from, self.date_to
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_settlement_action"
        )
        action["domain"] = [("id", "in", settlements.ids)]
        return action
