from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class CmrTierPortal(CustomerPortal):
    """The customer's tier at /my/tier."""

    @http.route(
        "/my/tier",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_my_tier(self, **kw):
        values = self._prepare_portal_layout_values()
        values.update(
            request.env["cmr.partner.tier"]._portal_values(request.env.user.partner_id)
        )
        values["page_name"] = "cmr_tier"
        return request.render("cmr_module.portal_my_tier", values)
