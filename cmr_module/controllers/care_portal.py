from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from . import care_form
from .portal_form import apply_in_savepoint, replica_unless

# Visits shown in each list of the care page.
VISITS_SHOWN = 20


class CmrCarePortal(CustomerPortal):
    """At /my/care customers see what their tier and cards entitle them to
    and what is left this period, request a service in a slot inside their
    contact windows, follow their visits, rate a done one and see their
    gifts. The forms are parsed here (``care_form``); the visit decides."""

    def _prepare_care_domain(self, partner):
        """The visits the portal lists as ``partner``'s own, explicitly (the
        record rules alone would list an employee's work queue)."""
        return [("partner_id", "=", partner.id)]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "cmr_care_count" in counters:
            Visit = request.env["cmr.care.visit"]
            partner = request.env.user.partner_id
            values["cmr_care_count"] = (
                Visit.search_count(
                    self._prepare_care_domain(partner)
                    + [("state", "in", ("requested", "scheduled"))]
                )
                if Visit.has_access("read")
                else 0
            )
        return values

    def _care_offer(self, partner):
        """``[(service, line)]``: the services the customer is entitled to,
        with what is left (one query). The entitlement rules are read as
        superuser (customers do not read them); the services themselves as
        the customer, who may read them."""
        left = request.env["cmr.care.entitlement"].sudo()._left([partner.id])
        lines = left.get(partner.id, {})
        services = request.env["cmr.care.service"].browse(list(lines))
        return [(service, lines[service.id]) for service in services.sorted()]

    def _care_values(self, error=None, form=None, message=None):
        env = request.env
        partner = env.user.partner_id
        Visit = env["cmr.care.visit"]
        domain = self._prepare_care_domain(partner)
        values = self._prepare_portal_layout_values()
        offer = self._care_offer(partner)
        Visit_sudo = Visit.sudo()
        slots = {
            service.id: [
                (
                    care_form.format_slot_value(slot),
                    Visit_sudo._format_slot(partner, slot),
                )
                for slot in Visit_sudo._free_slots(partner, service)
            ]
            for service, line in offer
            if line["left"] > 0
        }
        now = fields.Datetime.now()
        upcoming = Visit.search(
            domain + [("state", "in", ("requested", "scheduled"))],
            order="date_start, id",
            limit=VISITS_SHOWN,
        )
        past = Visit.search(
            domain + [("state", "not in", ("requested", "scheduled"))],
            order="date_start desc, id desc",
            limit=VISITS_SHOWN,
        )
        rated = {visit.id for visit in past if visit.sudo().rating_last_value}
        gifts = env["cmr.care.gift"].search(
            [("partner_id", "=", partner.id), ("state", "=", "confirmed")],
            order="date desc, id desc",
            limit=VISITS_SHOWN,
        )
        values.update(
            page_name="cmr_care",
            offer=offer,
            slots=slots,
            upcoming=upcoming,
            past=past,
            rated=rated,
            gifts=gifts,
            now=now,
            format_slot=lambda visit: (
                Visit_sudo._format_slot(partner, visit.date_start)
                if visit.date_start
                else ""
            ),
            error=error,
            form=form or {},
            message=message,
        )
        return values

    @http.route(
        "/my/care",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        # After a request, a cancellation or a rating (?done=…): the primary.
        readonly=replica_unless("done"),
    )
    def portal_my_care(self, **kw):
        message = None
        if kw.get("done") == "requested":
            message = request.env._("Your request is recorded: we will confirm it.")
        elif kw.get("done") == "rated":
            message = request.env._("Thank you for your rating.")
        elif kw.get("done") == "cancelled":
            message = request.env._("The visit is cancelled.")
        return request.render(
            "cmr_module.portal_my_care", self._care_values(message=message)
        )

    @http.route(
        "/my/care/request", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_care_request(self, **post):
        # The customer is the logged-in user's partner, never one from the form.
        env = request.env
        partner = env.user.partner_id

        def request_service():
            offered = (
                env["cmr.care.service"]
                .sudo()
                .browse([service.id for service, __ in self._care_offer(partner)])
            )
            service = care_form.pick_service(env, offered, post.get("service_id"))
            slot = care_form.parse_slot(env, post.get("slot"))
            return env["cmr.care.visit"]._request_from_portal(partner, service, slot)

        __, error = apply_in_savepoint(env, request_service)
        if error:
            return request.render(
                "cmr_module.portal_my_care",
                self._care_values(error=error),
            )
        return request.redirect("/my/care?done=requested")

    def _visit_sudo(self, visit_id):
        """The visit as superuser if the logged-in customer may read it."""
        try:
            visit_sudo = self._document_check_access("cmr.care.visit", visit_id)
        except (AccessError, MissingError):
            return None
        if visit_sudo.partner_id != request.env.user.partner_id:
            return None
        return visit_sudo

    def _forbidden(self):
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="cmr_care",
            error=request.env._("This visit is not yours or does not exist."),
        )
        return request.render("cmr_module.portal_care_forbidden", values, status=403)

    @http.route(
        "/my/care/visits/<int:visit_id>",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_care_visit(self, visit_id, **kw):
        visit_sudo = self._visit_sudo(visit_id)
        if visit_sudo is None:
            return self._forbidden()
        return self._visit_page(visit_sudo)

    def _visit_page(self, visit_sudo, error=None):
        partner = request.env.user.partner_id
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="cmr_care_visit",
            visit=visit_sudo,
            slot=visit_sudo._format_slot(partner, visit_sudo.date_start)
            if visit_sudo.date_start
            else "",
            rated=bool(visit_sudo.rating_last_value),
            error=error,
        )
        return request.render("cmr_module.portal_care_visit", values)

    @http.route(
        "/my/care/visits/<int:visit_id>/<any(rate,cancel):action>",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_care_visit_act(self, visit_id, action, **post):
        visit_sudo = self._visit_sudo(visit_id)
        if visit_sudo is None:
            return self._forbidden()
        env = request.env
        partner = env.user.partner_id

        def act():
            if action == "rate":
                rate, feedback = care_form.rating_values(env, post)
                return visit_sudo._rate(partner, rate, feedback)
            reason = care_form.text_value(env, post.get("reason"), env._("Reason"))
            return visit_sudo._cancel_from_portal(
                partner, reason or env._("Cancelled by the customer.")
            )

        __, error = apply_in_savepoint(env, act)
        if error:
            return self._visit_page(visit_sudo, error=error)
        return request.redirect(
            "/my/care?done=%s" % ("rated" if action == "rate" else "cancelled")
        )
