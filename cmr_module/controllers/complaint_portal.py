from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.cmr_input_guard import TEXT_MAX
from . import complaint_form
from .portal_form import apply_in_savepoint, replica_unless


class CmrComplaintPortal(CustomerPortal):
    """Customers file complaints, follow them, write on them (the portal's
    chatter), confirm or reopen them and rate their handling at
    /my/complaints. The forms are parsed here (``complaint_form``); the
    complaint's methods decide."""

    _complaints_per_page = 20

    def _prepare_complaints_domain(self, partner):
        """The complaints the portal lists as ``partner``'s own: those of their
        company (commercial partner). Explicit, as record rules alone would
        list an employee's work queue as their complaints."""
        return [("partner_id", "child_of", partner.commercial_partner_id.id)]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "cmr_complaint_count" in counters:
            Complaint = request.env["cmr.complaint"]
            partner = request.env.user.partner_id
            values["cmr_complaint_count"] = (
                Complaint.search_count(self._prepare_complaints_domain(partner))
                if Complaint.has_access("read")
                else 0
            )
        return values

    def _complaint_form_values(self, form=None, error=None):
        values = self._prepare_portal_layout_values()
        Complaint = request.env["cmr.complaint"]
        partner = request.env.user.partner_id
        values.update(
            page_name="cmr_complaint_new",
            channels=Complaint._portal_reply_channels(),
            categories=request.env["cmr.complaint.category"]._portal_categories(),
            sale_orders=Complaint._portal_sale_orders(partner),
            invoices=Complaint._portal_invoices(partner),
            files_help=complaint_form.files_help(request.env),
            form=form or {},
            error=error,
        )
        return values

    @http.route(
        ["/my/complaints", "/my/complaints/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_my_complaints(self, page=1, **kw):
        Complaint = request.env["cmr.complaint"]
        values = self._prepare_portal_layout_values()
        domain = self._prepare_complaints_domain(request.env.user.partner_id)
        pager = portal_pager(
            url="/my/complaints",
            total=Complaint.search_count(domain),
            page=page,
            step=self._complaints_per_page,
        )
        complaints = Complaint.search(
            domain,
            order="date_received desc, id desc",
            limit=self._complaints_per_page,
            offset=pager["offset"],
        )
        request.session["my_complaints_history"] = complaints.ids[:100]
        values.update(complaints=complaints, pager=pager, page_name="cmr_complaints")
        return request.render("cmr_module.portal_my_complaints", values)

    @http.route(
        "/my/complaints/new",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_complaint_new(self, **kw):
        return request.render(
            "cmr_module.portal_complaint_new", self._complaint_form_values()
        )

    @http.route(
        "/my/complaints/new", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_complaint_file(self, **post):
        # The customer is the logged-in user's partner, never one from the form.
        partner = request.env.user.partner_id
        uploads = request.httprequest.files.getlist("attachments")
        post.pop("attachments", None)
        files = [(up.filename, up.read(), up.mimetype) for up in uploads]

        def file_complaint():
            # Nothing half-written: the complaint, its files and its first
            # message are saved together or not at all.
            checked_files = complaint_form.check_files(request.env, files)
            values = complaint_form.complaint_values(request.env, partner, post)
            return request.env["cmr.complaint"]._create_from_portal(
                partner, values, checked_files
            )

        complaint, error = apply_in_savepoint(request.env, file_complaint)
        if error:
            # The form comes back filled in, without what was refused.
            return request.render(
                "cmr_module.portal_complaint_new",
                self._complaint_form_values(
                    form=complaint_form.refill_values(post), error=error
                ),
            )
        return request.redirect(f"{complaint.access_url}?saved=1")

    def _complaint_sudo(self, complaint_id, access_token=None):
        """The complaint as superuser, but on behalf of the logged-in user:
        the environment's user stays who acts (a customer, an employee), so
        that the model decides by them, not by the superuser. None when the
        user may not read it."""
        try:
            complaint_sudo = self._document_check_access(
                "cmr.complaint", complaint_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return None
        return complaint_sudo.with_user(request.env.user).sudo()

    def _forbidden(self):
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="cmr_complaints",
            error=request.env._("This complaint is not yours or does not exist."),
        )
        return request.render(
            "cmr_module.portal_complaint_forbidden", values, status=403
        )

    @http.route(
        "/my/complaints/<int:complaint_id>",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        readonly=replica_unless("saved"),
    )
    def portal_complaint_page(self, complaint_id, access_token=None, **kw):
        complaint_sudo = self._complaint_sudo(complaint_id, access_token)
        if complaint_sudo is None:
            return request.redirect("/my")
        # No error from the query string: our page would show anyone's text.
        return self._complaint_page(complaint_sudo, access_token)

    def _complaint_page(self, complaint_sudo, access_token=None, error=None):
        user = request.env.user
        can_act = complaint_sudo._is_customer_side(user)
        values = self._prepare_portal_layout_values()
        values.update(
            complaint=complaint_sudo,
            documents=complaint_sudo._portal_documents(user),
            attachments=complaint_sudo._portal_attachments(),
            rated=complaint_sudo._is_rated(),
            can_act=can_act,
            can_rate=complaint_sudo.partner_id == user.partner_id,
            page_name="cmr_complaint",
        )
        values = self._get_page_view_values(
            complaint_sudo, access_token, values, "my_complaints_history", False
        )
        # Odoo's chatter: its customer (and their company's contacts) write
        # with the complaint's token, checked again by the complaint when
        # they post; whoever else holds a link only reads.
        values["token"] = (
            complaint_sudo._portal_ensure_token() if can_act else access_token
        )
        values["disable_composer"] = not can_act or complaint_sudo.state == "closed"
        values["error"] = error
        return request.render("cmr_module.portal_complaint_page", values)

    @http.route(
        "/my/complaints/<int:complaint_id>/<any(confirm,reopen,rate):action>",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_complaint_act(self, complaint_id, action, access_token=None, **post):
        # A link's token only lets its holder read: acting is for the
        # complaint's customer and their company's contacts.
        complaint_sudo = self._complaint_sudo(complaint_id)
        if complaint_sudo is None or not complaint_sudo._is_customer_side(
            request.env.user
        ):
            return self._forbidden()
        partner = request.env.user.partner_id
        # Nothing half-written: a reopening's message and its stage change
        # are saved together or not at all.
        __, error = apply_in_savepoint(
            request.env,
            lambda: self._complaint_act(complaint_sudo, action, partner, post),
        )
        if error:
            return self._complaint_page(
                complaint_sudo, access_token=access_token, error=error
            )
        return request.redirect(f"{complaint_sudo.access_url}?saved=1")

    def _complaint_act(self, complaint_sudo, action, partner, post):
        """Hand the form's clean values to the complaint's methods."""
        env = request.env
        if action == "confirm":
            complaint_sudo.action_confirm()
        elif action == "reopen":
            message = complaint_form.message_text(env, post.get("message"), TEXT_MAX)
            complaint_sudo._post_from_portal(partner, message)
            complaint_sudo.action_reopen()
        else:
            rate, feedback = complaint_form.rating_values(env, post)
            complaint_sudo._rate(partner, rate, feedback)
