from odoo import api, fields, models

from .cmr_mining_selections import ACTIVITY_STATES


class ResPartner(models.Model):
    """The customer's buying activity, churn state and lifetime value with
    the current company (mining center, R7)."""

    _inherit = "res.partner"

    cmr_activity_id = fields.Many2one(
        "cmr.mining.activity",
        string="Activity Row",
        compute="_compute_cmr_activity",
        groups="cmr_module.group_cmr_user",
    )
    cmr_activity_state = fields.Selection(
        ACTIVITY_STATES,
        string="Activity",
        compute="_compute_cmr_activity",
        search="_search_cmr_activity_state",
        groups="cmr_module.group_cmr_user",
        help="Active, at risk or churned, as of the last daily run.",
    )
    cmr_last_purchase_date = fields.Date(
        string="Last Purchase",
        compute="_compute_cmr_activity",
        groups="cmr_module.group_cmr_user",
    )
    cmr_clv = fields.Monetary(
        string="Lifetime Value",
        compute="_compute_cmr_activity",
        currency_field="cmr_clv_currency_id",
        groups="cmr_module.group_cmr_user",
        help="Estimated customer lifetime value (see the activity row for the "
        "formula and its figures).",
    )
    cmr_clv_currency_id = fields.Many2one(
        "res.currency",
        string="Lifetime Value Currency",
        compute="_compute_cmr_activity",
    )
    cmr_churn_reason_count = fields.Integer(
        string="Churn Reasons",
        compute="_compute_cmr_churn_reason_count",
        groups="cmr_module.group_cmr_user",
    )

    @api.depends_context("company")
    def _compute_cmr_activity(self):
        rows = (
            self.env["cmr.mining.activity"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.env.company.id),
                    ("partner_id", "in", self.commercial_partner_id.ids),
                ]
            )
        )
        by_partner = {row.partner_id: row for row in rows}
        empty = self.env["cmr.mining.activity"]
        for partner in self:
            row = by_partner.get(partner.commercial_partner_id, empty)
            partner.cmr_activity_id = row
            partner.cmr_activity_state = row.state
            partner.cmr_last_purchase_date = row.last_purchase_date
            partner.cmr_clv = row.clv
            partner.cmr_clv_currency_id = self.env.company.currency_id

    def _search_cmr_activity_state(self, operator, value):
        rows = (
            self.env["cmr.mining.activity"]
            .sudo()
            ._search(
                [("company_id", "=", self.env.company.id), ("state", operator, value)]
            )
        )
        return [("commercial_partner_id", "in", rows.subselect("partner_id"))]

    def _compute_cmr_churn_reason_count(self):
        counts = dict(
            self.env["cmr.mining.churn.record"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.cmr_churn_reason_count = counts.get(
                partner.commercial_partner_id._origin, 0
            )

    def _cmr_activity_states(self):
        """{commercial partner id: activity state} with the current company,
        in one query."""
        rows = (
            self.env["cmr.mining.activity"]
            .sudo()
            .search_read(
                [
                    ("company_id", "=", self.env.company.id),
                    ("partner_id", "in", self.commercial_partner_id.ids),
                ],
                ["partner_id", "state"],
                load=None,
            )
        )
        return {row["partner_id"]: row["state"] for row in rows}

    def action_cmr_record_churn_reason(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record a Churn Reason"),
            "res_model": "cmr.mining.churn.reason.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_cmr_view_churn_reasons(self):
        self.ensure_one()
        action = self._cmr_partner_action("cmr_module.cmr_mining_churn_record_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    def action_cmr_view_activity_events(self):
        self.ensure_one()
        action = self._cmr_partner_action("cmr_module.cmr_mining_event_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action
