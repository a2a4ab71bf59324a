from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from . import suggestion_form
from .portal_form import apply_in_savepoint


class CmrSuggestionPortal(CustomerPortal):
    """Customers submit suggestions, follow theirs and support the public
    ones of other customers at /my/suggestions."""

    _suggestions_per_page = 20

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "cmr_suggestion_count" in counters:
            Suggestion = request.env["cmr.suggestion"]
            partner = request.env.user.partner_id
            values["cmr_suggestion_count"] = (
                Suggestion._portal_count(partner, "mine")
                if Suggestion.has_access("read")
                else 0
            )
        return values

    @http.route(
        ["/my/suggestions", "/my/suggestions/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_my_suggestions(self, page=1, scope="mine", **kw):
        scope = "public" if scope == "public" else "mine"
        Suggestion = request.env["cmr.suggestion"]
        partner = request.env.user.partner_id
        pager = portal_pager(
            url="/my/suggestions",
            url_args={"scope": scope},
            total=Suggestion._portal_count(partner, scope),
            page=page,
            step=self._suggestions_per_page,
        )
        suggestions = Suggestion._portal_list(
            partner, scope, limit=self._suggestions_per_page, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            suggestions=suggestions,
            supported=suggestions._portal_supported(partner),
            pager=pager,
            scope=scope,
            page_name="cmr_suggestions",
            message=kw.get("message") in ("supported",) and kw["message"],
        )
        return request.render("cmr_module.portal_my_suggestions", values)

    def _suggestion_form_values(self, form=None, error=None):
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="cmr_suggestion_new",
            categories=request.env["cmr.suggestion"]
            ._fields["category"]
            ._description_selection(request.env),
            files_help=suggestion_form.files_help(request.env),
            form=form or {},
            error=error,
        )
        return values

    @http.route(
        "/my/suggestions/new",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_suggestion_new(self, **kw):
        return request.render(
            "cmr_module.portal_suggestion_new", self._suggestion_form_values()
        )

    @http.route(
        "/my/suggestions/new", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_suggestion_submit(self, **post):
        partner = request.env.user.partner_id
        uploads = request.httprequest.files.getlist("attachments")
        post.pop("attachments", None)
        files = [(up.filename, up.read(), up.mimetype) for up in uploads]

        def submit():
            values = suggestion_form.suggestion_values(request.env, post)
            return request.env["cmr.suggestion"]._portal_submit(partner, values, files)

        suggestion, error = apply_in_savepoint(request.env, submit)
        if error:
            return request.render(
                "cmr_module.portal_suggestion_new",
                self._suggestion_form_values(
                    form=suggestion_form.refill_values(post), error=error
                ),
            )
        return request.redirect(f"/my/suggestions/{suggestion.id}")

    def _suggestion_sudo(self, suggestion_id):
        try:
            return self._document_check_access("cmr.suggestion", suggestion_id)
        except (AccessError, MissingError):
            return None

    @http.route(
        "/my/suggestions/<int:suggestion_id>",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_suggestion_page(self, suggestion_id, **kw):
        suggestion_sudo = self._suggestion_sudo(suggestion_id)
        if suggestion_sudo is None:
            return request.redirect("/my/suggestions")
        return self._suggestion_page(suggestion_sudo)

    def _suggestion_page(self, suggestion_sudo, error=None, message=None):
        partner = request.env.user.partner_id
        values = self._prepare_portal_layout_values()
        values.update(
            suggestion=suggestion_sudo,
            is_mine=suggestion_sudo.commercial_partner_id
            == partner.commercial_partner_id,
            supported=suggestion_sudo.id in suggestion_sudo._portal_supported(partner),
            attachments=suggestion_sudo._portal_attachments()
            if suggestion_sudo.commercial_partner_id == partner.commercial_partner_id
            else request.env["ir.attachment"],
            page_name="cmr_suggestion",
            error=error,
            message=message,
        )
        return request.render("cmr_module.portal_suggestion_page", values)

    @http.route(
        "/my/suggestions/<int:suggestion_id>/support",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_suggestion_support(self, suggestion_id, **post):
        suggestion_sudo = self._suggestion_sudo(suggestion_id)
        if suggestion_sudo is None:
            return request.redirect("/my/suggestions")
        partner = request.env.user.partner_id
        suggestion = suggestion_sudo.sudo(False)
        _result, error = apply_in_savepoint(
            request.env, lambda: suggestion._portal_support(partner)
        )
        return self._suggestion_page(
            suggestion_sudo,
            error=error,
            message=not error and request.env._("Thank you for your support."),
        )
