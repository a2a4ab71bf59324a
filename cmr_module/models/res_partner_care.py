from markupsafe import Markup

from odoo import fields, models
from odoo.tools import format_date


class ResPartner(models.Model):
    _inherit = "res.partner"

    cmr_care_visit_ids = fields.One2many(
        "cmr.care.visit",
        "partner_id",
        string="Care Visits",
        groups="cmr_module.group_cmr_user",
    )
    cmr_care_visit_count = fields.Integer(
        string="Care Visit Count",
        compute="_compute_cmr_care_counts",
        groups="cmr_module.group_cmr_user",
    )
    cmr_care_gift_count = fields.Integer(
        string="Gift Count",
        compute="_compute_cmr_care_counts",
        groups="cmr_module.group_cmr_user",
    )

    cmr_care_left_html = fields.Html(
        string="Care Entitlements",
        compute="_compute_cmr_care_left_html",
        sanitize=False,
        groups="cmr_module.group_cmr_user",
    )

    def _compute_cmr_care_left_html(self):
        left = self._cmr_care_left()
        services = (
            self.env["cmr.care.service"]
            .sudo()
            .browse({sid for lines in left.values() for sid in lines})
        )
        names = {service.id: service.name for service in services}
        header = Markup("<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>") % (
            self.env._("Service"),
            self.env._("Left"),
            self.env._("Entitled"),
            self.env._("Renews On"),
        )
        for partner in self:
            lines = left.get(partner.id) or {}
            if not lines:
                partner.cmr_care_left_html = Markup("<p>%s</p>") % self.env._(
                    "No care entitlement from the tier or cards."
                )
                continue
            rows = Markup("").join(
                Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
                % (
                    names[service_id],
                    line["left"],
                    line["quota"],
                    format_date(self.env, line["renews"]),
                )
                for service_id, line in sorted(
                    lines.items(), key=lambda item: names[item[0]]
                )
            )
            partner.cmr_care_left_html = Markup(
                '<table class="table table-sm">'
                "<thead>%s</thead><tbody>%s</tbody></table>"
            ) % (header, rows)

    def _compute_cmr_care_counts(self):
        visits = self._cmr_count_by_partner("cmr.care.visit")
        gifts = self._cmr_count_by_partner("cmr.care.gift")
        for partner in self:
            partner.cmr_care_visit_count = visits[partner]
            partner.cmr_care_gift_count = gifts[partner]

    def _cmr_care_left(self, day=None):
        """What each of these customers is entitled to and has left this
        period: ``cmr.care.entitlement._left`` (one query for all)."""
        return self.env["cmr.care.entitlement"].sudo()._left(self.ids, day=day)

    def action_cmr_care_visits(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_care_visit_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_cmr_care_gifts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_care_gift_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_cmr_care_suggest_gift(self):
        """Propose the gift that suits the customer best; staff confirm it."""
        self.ensure_one()
        gift = self.env["cmr.care.gift"]._propose(self)
        return {
            "type": "ir.actions.act_window",
            "res_model": "cmr.care.gift",
            "res_id": gift.id,
            "view_mode": "form",
        }
