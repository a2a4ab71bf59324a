import json

from odoo import http
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal

from .charter_form import charter_values
from .portal_form import apply_in_savepoint, replica_unless


class CmrCustomerPortal(CustomerPortal):
    """The customer's relationship charter at /my/preferences."""

    def _cmr_render_preferences(self, error=None, saved=False):
        partner = request.env.user.partner_id
        values = self._prepare_portal_layout_values()
        values.update(partner.sudo()._cmr_portal_values())
        values.update(page_name="cmr_preferences", error=error, saved=saved)
        return request.render("cmr_module.portal_my_preferences", values)

    @http.route(
        "/my/preferences",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=replica_unless("saved"),
    )
    def portal_my_preferences(self, saved=None, **kw):
        return self._cmr_render_preferences(saved=bool(saved))

    @http.route(
        "/my/preferences", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_my_preferences_save(self, **post):
        # The partner is the logged-in customer's, never one from the request.
        partner_sudo = request.env.user.partner_id.sudo().with_context(
            cmr_change_source="portal"
        )
        if str(post.get("partner_id", partner_sudo.id)) != str(partner_sudo.id):
            return self._cmr_render_preferences(
                error=request.env._("You can only change your own charter.")
            )
        __, error = apply_in_savepoint(
            request.env,
            lambda: partner_sudo.write(charter_values(partner_sudo, post)),
        )
        if error:
            return self._cmr_render_preferences(error=error)
        return request.redirect("/my/preferences?saved=1")

    @http.route(
        "/my/preferences/export.<any(json,csv):file_format>",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_my_preferences_export(self, file_format, **kw):
        partner = request.env.user.partner_id.sudo()
        if file_format == "json":
            content = json.dumps(
                partner._cmr_export_charter(), ensure_ascii=False, indent=2
            )
            mimetype = "application/json"
        else:
            content = partner._cmr_export_charter_csv()
            mimetype = "text/csv"
        filename = f"relationship-charter.{file_format}"
        return request.make_response(
            content.encode(),
            headers=[
                ("Content-Type", f"{mimetype}; charset=utf-8"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
