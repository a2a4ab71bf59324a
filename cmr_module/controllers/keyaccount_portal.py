from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class CmrKeyaccountPortal(CustomerPortal):
    """The customer's key-account team, next review and shared minutes at
    /my/team."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "cmr_team_count" in counters:
            values["cmr_team_count"] = len(
                request.env["cmr.keyaccount.review"]._portal_team(
                    request.env.user.partner_id
                )
            )
        return values

    @http.route(
        "/my/team",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_my_team(self, **kw):
        values = self._prepare_portal_layout_values()
        values.update(
            request.env["cmr.keyaccount.review"]._portal_values(
                request.env.user.partner_id
            )
        )
        values["page_name"] = "cmr_team"
        return request.render("cmr_module.portal_my_team", values)
