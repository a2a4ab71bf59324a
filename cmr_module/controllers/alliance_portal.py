from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from .alliance_form import (
    counter_form_echo,
    counter_form_validate,
    parse_card_number,
    parse_id,
    pin_form_values,
)
from .portal_form import apply_in_savepoint, replica_unless

PORTAL_LINES = 50


class CmrAlliancePortal(CustomerPortal):
    """Members' cards at /my/cards, merchants' counter at /my/merchant."""

    def _prepare_cmr_cards_domain(self, partner):
        # Staff may read every card: the portal pages show one's own only.
        return [("partner_id", "child_of", partner.commercial_partner_id.id)]

    def _prepare_cmr_merchant_domain(self, partner):
        # Transactions and statements at the user's company (record rules
        # confine portal users to them too).
        return [("merchant_id", "=", partner.commercial_partner_id.id)]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "cmr_card_count" in counters:
            Membership = request.env["cmr.membership"]
            values["cmr_card_count"] = (
                Membership.search_count(
                    self._prepare_cmr_cards_domain(request.env.user.partner_id)
                )
                if Membership.has_access("read")
                else 0
            )
        return values

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        values["cmr_is_merchant"] = bool(
            request.env["cmr.alliance.merchant"]._portal_agreements(
                request.env.user.partner_id
            )
        )
        return values

    # ------------------------------------------------------------------
    # Members
    # ------------------------------------------------------------------

    @http.route(
        "/my/cards",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_my_cards(self, **kw):
        # As the user: record rules confine portal users to their own cards.
        Membership = request.env["cmr.membership"]
        memberships = (
            Membership.search(
                self._prepare_cmr_cards_domain(request.env.user.partner_id)
            )
            if Membership.has_access("read")
            else Membership
        )
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="cmr_cards",
            cards=memberships._portal_values(),
        )
        return request.render("cmr_module.portal_my_cards", values)

    def _cmr_card_sudo(self, membership_id):
        """The user's own card, or None (ownership checked, then sudo)."""
        try:
            membership_sudo = self._document_check_access(
                "cmr.membership", membership_id
            )
        except (AccessError, MissingError):
            return None
        if not membership_sudo.filtered_domain(
            self._prepare_cmr_cards_domain(request.env.user.partner_id)
        ):
            return None
        return membership_sudo

    def _cmr_render_card(self, membership_sudo, error=None, notice=None):
        values = self._prepare_portal_layout_values()
        card = membership_sudo._portal_values()[0]
        values.update(
            page_name="cmr_card",
            card=card,
            membership=membership_sudo,
            lines=membership_sudo.line_ids[:PORTAL_LINES],
            error=error,
            notice=notice,
        )
        return request.render("cmr_module.portal_my_card", values)

    @http.route(
        "/my/cards/<int:membership_id>",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=replica_unless("pin"),
    )
    def portal_my_card(self, membership_id, pin=None, **kw):
        membership_sudo = self._cmr_card_sudo(membership_id)
        if not membership_sudo:
            return request.redirect("/my/cards")
        notice = pin == "set" and request.env._(
            "Your PIN is set: give it at the counter to redeem points."
        )
        return self._cmr_render_card(membership_sudo, notice=notice)

    @http.route(
        "/my/cards/<int:membership_id>/pin",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_my_card_pin(self, membership_id, **post):
        membership_sudo = self._cmr_card_sudo(membership_id)
        if not membership_sudo:
            return request.redirect("/my/cards")
        pin, confirmation = pin_form_values(post)
        _result, error = apply_in_savepoint(
            request.env, lambda: membership_sudo._set_pin(pin, confirmation)
        )
        if error:
            return self._cmr_render_card(membership_sudo, error=error)
        return request.redirect(f"/my/cards/{membership_sudo.id}?pin=set")

    # ------------------------------------------------------------------
    # Merchants
    # ------------------------------------------------------------------

    def _cmr_render_merchant(self, error=None, recorded=None, post=None, notice=None):
        partner = request.env.user.partner_id
        agreements = request.env["cmr.alliance.merchant"]._portal_agreements(partner)
        if not agreements:
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        # Record rules limit both to the merchant's own transactions.
        Line = request.env["cmr.points.line"]
        Settlement = request.env["cmr.settlement"]
        domain = self._prepare_cmr_merchant_domain(partner)
        lines = (
            Line.search(domain, limit=PORTAL_LINES) if Line.has_access("read") else Line
        )
        settlements = (
            Settlement.search(domain) if Settlement.has_access("read") else Settlement
        )
        values.update(
            page_name="cmr_merchant",
            agreements=agreements,
            lines=lines,
            settlements=settlements,
            error=error,
            notice=notice,
            recorded=recorded,
            post=counter_form_echo(post or {}),
        )
        return request.render("cmr_module.portal_my_merchant", values)

    @http.route(
        "/my/merchant",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=replica_unless("recorded"),
    )
    def portal_my_merchant(self, recorded=None, **kw):
        line = request.env["cmr.points.line"]
        line_id = parse_id(recorded)
        if line_id and line.has_access("read"):
            line = line.search(
                [("id", "=", line_id)]
                + self._prepare_cmr_merchant_domain(request.env.user.partner_id)
            )
        return self._cmr_render_merchant(recorded=line)

    @http.route(
        "/my/merchant", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_my_merchant_record(self, **post):
        # The merchant is the logged-in user's company, never one from the
        # request.
        values, error = counter_form_validate(post)
        if not error:
            line, error = apply_in_savepoint(
                request.env,
                lambda: request.env["cmr.alliance.merchant"]._portal_record(
                    request.env.user.partner_id, values
                ),
            )
        if error:
            return self._cmr_render_merchant(error=error, post=post)
        return request.redirect(f"/my/merchant?recorded={line.id}")

    @http.route(
        "/my/merchant/code",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_my_merchant_send_code(self, **post):
        membership, error = apply_in_savepoint(
            request.env,
            lambda: request.env["cmr.alliance.merchant"]._portal_send_code(
                request.env.user.partner_id, parse_card_number(post.get("card_number"))
            ),
        )
        if error:
            return self._cmr_render_merchant(error=error, post=post)
        return self._cmr_render_merchant(
            notice=request.env._(
                "A one-time code was sent to the holder of card %(number)s: ask "
                "them for it.",
                number=membership.card_number,
            ),
            post=post,
        )
