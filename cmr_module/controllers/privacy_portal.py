from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from .portal_form import apply_in_savepoint


class CmrPrivacyPortal(CustomerPortal):
    """The customer's data at /my/privacy: ask for a download of everything
    held about them, built in the background, then download it."""

    def _privacy_values(self, error=None, message=None):
        partner = request.env.user.partner_id
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="cmr_privacy",
            exports=request.env["cmr.privacy.export"]._portal_exports(partner),
            erasures=request.env["cmr.privacy.erasure"].search(
                [("partner_id", "=", partner.commercial_partner_id.id)], limit=5
            ),
            error=error,
            message=message,
        )
        return values

    @http.route(
        "/my/privacy",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_my_privacy(self, **kw):
        return request.render("cmr_module.portal_my_privacy", self._privacy_values())

    @http.route(
        "/my/privacy/export", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_privacy_export(self, **post):
        partner = request.env.user.partner_id
        _export, error = apply_in_savepoint(
            request.env, lambda: request.env["cmr.privacy.export"]._request(partner)
        )
        message = (
            None
            if error
            else request.env._(
                "We are preparing your data: the download appears here when it "
                "is ready."
            )
        )
        return request.render(
            "cmr_module.portal_my_privacy", self._privacy_values(error, message)
        )

    @http.route(
        "/my/privacy/export/<int:export_id>/download",
        type="http",
        auth="user",
        methods=["GET"],
        readonly=True,
    )
    def portal_privacy_download(self, export_id, **kw):
        partner = request.env.user.partner_id.commercial_partner_id
        # Pinned to the logged-in customer: another's id finds nothing.
        export = (
            request.env["cmr.privacy.export"]
            .sudo()
            .search(
                [
                    ("id", "=", export_id),
                    ("partner_id", "=", partner.id),
                    ("state", "=", "done"),
                ],
                limit=1,
            )
        )
        if not export.attachment_id:
            return request.not_found()
        stream = request.env["ir.binary"]._get_stream_from(export.attachment_id)
        return stream.get_response(as_attachment=True)

    @http.route(
        "/my/privacy/erase", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_privacy_erase(self, **post):
        partner = request.env.user.partner_id
        if post.get("confirm") != "on":
            error = request.env._(
                "Tick the box to confirm that you want your data erased."
            )
            return request.render(
                "cmr_module.portal_my_privacy", self._privacy_values(error=error)
            )
        _erasure, error = apply_in_savepoint(
            request.env,
            lambda: request.env["cmr.privacy.erasure"]._request(partner, "portal"),
        )
        message = (
            None
            if error
            else request.env._(
                "We received your request. We review it and confirm the erasure "
                "by e-mail."
            )
        )
        return request.render(
            "cmr_module.portal_my_privacy", self._privacy_values(error, message)
        )
