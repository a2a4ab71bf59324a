from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

PORTAL_LINES = 50


class CmrAlliancePortal(CustomerPortal):
    """Members' cards at /my/cards, merchants' counter at /my/merchant."""

    def _cmr_cards_domain(self):
        # Staff may read every card: the portal pages show one's own only.
        return [
            (
                "partner_id",
                "child_of",
                request.env.user.partner_id.commercial_partner_id.id,
            )
        ]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "cmr_card_count" in counters:
            Membership = request.env["cmr.membership"]
            values["cmr_card_count"] = (
                Membership.search_count(self._cmr_cards_domain())
                if Membership.has_access("read")
                else 0
            )
        return values

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        values["cmr_is_merchant"] = bool(
            request.env["cmr.alliance.merchant"]._cmr_portal_agreements(
                request.env.user.partner_id
            )
        )
        return values

    # ------------------------------------------------------------------
    # Members
    # ------------------------------------------------------------------

    @http.route("/my/cards", type="http", auth="user", website=True, methods=["GET"])
    def portal_my_cards(self, **kw):
        # As the user: record rules confine portal users to their own cards.
        Membership = request.env["cmr.membership"]
        memberships = (
            Membership.search(self._cmr_cards_domain())
            if Membership.has_access("read")
            else Membership
        )
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="cmr_cards",
            cards=memberships._cmr_portal_values(),
        )
        return request.render("cmr_module.portal_my_cards", values)

    @http.route(
        "/my/cards/<int:membership_id>",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def portal_my_card(self, membership_id, **kw):
        try:
            membership_sudo = self._document_check_access(
                "cmr.membership", membership_id
            )
        except (AccessError, MissingError):
            return request.redirect("/my/cards")
        if not membership_sudo.filtered_domain(self._cmr_cards_domain()):
            return request.redirect("/my/cards")
        values = self._prepare_portal_layout_values()
        card = membership_sudo._cmr_portal_values()[0]
        values.update(
            page_name="cmr_card",
            card=card,
            membership=membership_sudo,
            lines=membership_sudo.line_ids[:PORTAL_LINES],
        )
        return request.render("cmr_module.portal_my_card", values)

    # ------------------------------------------------------------------
    # Merchants
    # ------------------------------------------------------------------

    def _cmr_render_merchant(self, error=None, recorded=None, post=None):
        partner = request.env.user.partner_id
        agreements = request.env["cmr.alliance.merchant"]._cmr_portal_agreements(
            partner
        )
        if not agreements:
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        # Record rules limit both to the merchant's own transactions.
        Line = request.env["cmr.points.line"]
        Settlement = request.env["cmr.settlement"]
        merchant = [("merchant_id", "=", partner.commercial_partner_id.id)]
        lines = (
            Line.search(merchant, limit=PORTAL_LINES)
            if Line.has_access("read")
            else Line
        )
        settlements = (
            Settlement.search(merchant) if Settlement.has_access("read") else Settlement
        )
        values.update(
            page_name="cmr_merchant",
            agreements=agreements,
            lines=lines,
            settlements=settlements,
            error=error,
            recorded=recorded,
            post=post or {},
        )
        return request.render("cmr_module.portal_my_merchant", values)

    @http.route("/my/merchant", type="http", auth="user", website=True, methods=["GET"])
    def portal_my_merchant(self, recorded=None, **kw):
        line = request.env["cmr.points.line"]
        if recorded and recorded.isdigit():
            line = line.search([("id", "=", int(recorded))])
        return self._cmr_render_merchant(recorded=line)

    @http.route(
        "/my/merchant", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_my_merchant_record(self, **post):
        # The merchant is the logged-in user's company, never one from the request.
        try:
            # Nothing of a refused transaction is kept.
            with request.env.cr.savepoint():
                line = request.env["cmr.alliance.merchant"]._cmr_portal_record(
                    request.env.user.partner_id, post
                )
        except (UserError, ValidationError) as error:
            return self._cmr_render_merchant(error=error.args[0], post=post)
        return request.redirect(f"/my/merchant?recorded={line.id}")
