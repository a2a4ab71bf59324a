from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


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
        """Queue the settlement (many merchants take a while) and show its
        progress; the statements are its result."""
        self.ensure_one()
        if self.date_to < self.date_from:
            raise UserError(self.env._("The period ends before it starts."))
        if self.date_to >= fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "Settle a period once it is over: %(date_to)s is not past yet.",
                    date_to=self.date_to,
                )
            )
        if not self.env.user.has_group("cmr_module.group_cmr_manager"):
            raise AccessError(self.env._("Only CMR managers settle merchants."))
        agreements = self.agreement_ids
        if not agreements:
            domain = [("company_id", "in", self.env.companies.ids)]
            if self.alliance_id:
                domain.append(("alliance_id", "=", self.alliance_id.id))
            agreements = self.env["cmr.alliance.merchant"].search(domain, order="id")
        if not agreements:
            raise UserError(self.env._("There is no merchant agreement to settle."))
        job = self.env["cmr.job"]._enqueue(
            self.env._(
                "Settle merchants, %(date_from)s to %(date_to)s",
                date_from=self.date_from,
                date_to=self.date_to,
            ),
            self.env["cmr.settlement"],
            "_job_settle",
            payload={
                "agreement_ids": agreements.ids,
                "date_from": fields.Date.to_string(self.date_from),
                "date_to": fields.Date.to_string(self.date_to),
            },
        )
        return job._action_open()
