import math

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.cmr_input_guard import has_control_characters

PORTAL_LINES = 50
# Longest text a number, an id or a card number is parsed from: anything
# longer is refused before parsing.
NUMBER_TEXT_MAX = 32
ID_MAX = 2**31 - 1


def parse_id(text):
    """A positive database id from a request value, or None."""
    if (
        isinstance(text, str)
        and 0 < len(text) <= 10
        and text.isascii()
        and text.isdigit()
        and 0 < int(text) <= ID_MAX
    ):
        return int(text)
    return None


def parse_number(text):
    """A finite float from a request value ("35.50" or "35,50"), or None."""
    if not isinstance(text, str) or len(text) > NUMBER_TEXT_MAX:
        return None
    text = text.strip().replace(",", ".")
    if not text.isascii() or "_" in text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_text(text, limit=None):
    """A stripped string from a request value; ``limit`` cuts what no field
    could hold anyway (the model bounds and refuses the rest)."""
    if not isinstance(text, str):
        return ""
    text = text.strip()
    return text[:limit] if limit else text


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

    def _cmr_card_sudo(self, membership_id):
        """The user's own card, or None (ownership checked, then sudo)."""
        try:
            membership_sudo = self._document_check_access(
                "cmr.membership", membership_id
            )
        except (AccessError, MissingError):
            return None
        if not membership_sudo.filtered_domain(self._cmr_cards_domain()):
            return None
        return membership_sudo

    def _cmr_render_card(self, membership_sudo, error=None, notice=None):
        values = self._prepare_portal_layout_values()
        card = membership_sudo._cmr_portal_values()[0]
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
        try:
            with request.env.cr.savepoint():
                membership_sudo._cmr_set_pin(
                    parse_text(post.get("pin"), NUMBER_TEXT_MAX),
                    parse_text(post.get("pin_confirm"), NUMBER_TEXT_MAX),
                )
        except (UserError, ValidationError) as error:
            return self._cmr_render_card(membership_sudo, error=error.args[0])
        return request.redirect(f"/my/cards/{membership_sudo.id}?pin=set")

    # ------------------------------------------------------------------
    # Merchants
    # ------------------------------------------------------------------

    def _cmr_render_merchant(self, error=None, recorded=None, post=None, notice=None):
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
            notice=notice,
            recorded=recorded,
            post=post or {},
        )
        return request.render("cmr_module.portal_my_merchant", values)

    @http.route("/my/merchant", type="http", auth="user", website=True, methods=["GET"])
    def portal_my_merchant(self, recorded=None, **kw):
        line = request.env["cmr.points.line"]
        line_id = parse_id(recorded)
        if line_id:
            line = line.search([("id", "=", line_id)])
        return self._cmr_render_merchant(recorded=line)

    def _cmr_merchant_form(self, post):
        """The counter's form, parsed: the model checks the values."""
        kind = post.get("kind")
        service = post.get("service_id")
        return {
            # Printed cards group the digits: spaces and dashes are dropped.
            "card_number": parse_text(post.get("card_number"), NUMBER_TEXT_MAX * 2)
            .replace(" ", "")
            .replace("-", ""),
            "kind": kind if kind in ("purchase", "redeem") else None,
            "quantity": parse_number(post.get("quantity")),
            # A chosen service that is no id is refused as an unknown service.
            "service_id": (parse_id(service) or -1) if service else None,
            "reference": parse_text(post.get("reference")),
            "proof": parse_text(post.get("proof"), NUMBER_TEXT_MAX),
        }

    @http.route(
        "/my/merchant", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_my_merchant_record(self, **post):
        # The merchant is the logged-in user's company, never one from the
        # request. The model undoes a refused transaction (and keeps the
        # count of wrong codes or PINs).
        try:
            line = request.env["cmr.alliance.merchant"]._cmr_portal_record(
                request.env.user.partner_id, self._cmr_merchant_form(post)
            )
        except (UserError, ValidationError) as error:
            return self._cmr_render_merchant(
                error=error.args[0], post=self._cmr_echo(post)
            )
        return request.redirect(f"/my/merchant?recorded={line.id}")

    @http.route(
        "/my/merchant/code",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_my_merchant_send_code(self, **post):
        form = self._cmr_merchant_form(post)
        try:
            with request.env.cr.savepoint():
                membership = request.env["cmr.alliance.merchant"]._cmr_portal_send_code(
                    request.env.user.partner_id, form["card_number"]
                )
        except (UserError, ValidationError) as error:
            return self._cmr_render_merchant(
                error=error.args[0], post=self._cmr_echo(post)
            )
        return self._cmr_render_merchant(
            notice=request.env._(
                "A one-time code was sent to the holder of card %(number)s: ask "
                "them for it.",
                number=membership.card_number,
            ),
            post=self._cmr_echo(post),
        )

    def _cmr_echo(self, post):
        """What the form shows again after an error: short texts without
        control characters (never the code or PIN)."""
        return {
            key: value
            for key in ("card_number", "kind", "quantity", "reference")
            if isinstance(value := post.get(key), str)
            and len(value) <= 200
            and not has_control_characters(value)
        }
