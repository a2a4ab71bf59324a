from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.cmr_input_guard import LONG_TEXT_MAX, has_control_characters


class CmrComplaintPortal(CustomerPortal):
    """Customers file complaints, follow them, reply, confirm or reopen them
    and rate their handling at /my/complaints."""

    _cmr_complaints_per_page = 20

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

    def _cmr_complaint_form_values(self, form=None, error=None):
        values = self._prepare_portal_layout_values()
        Complaint = request.env["cmr.complaint"]
        partner = request.env.user.partner_id
        values.update(
            page_name="cmr_complaint_new",
            channels=Complaint._cmr_portal_reply_channels(),
            categories=request.env["cmr.complaint.category"]._cmr_portal_categories(),
            sale_orders=Complaint._cmr_portal_sale_orders(partner),
            invoices=Complaint._cmr_portal_invoices(partner),
            files_help=Complaint._cmr_portal_files_help(),
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
    )
    def portal_my_complaints(self, page=1, **kw):
        Complaint = request.env["cmr.complaint"]
        values = self._prepare_portal_layout_values()
        domain = self._prepare_complaints_domain(request.env.user.partner_id)
        total = Complaint.search_count(domain)
        pager = portal_pager(
            url="/my/complaints",
            total=total,
            page=page,
            step=self._cmr_complaints_per_page,
        )
        complaints = Complaint.search(
            domain,
            order="date_received desc, id desc",
            limit=self._cmr_complaints_per_page,
            offset=pager["offset"],
        )
        values.update(complaints=complaints, pager=pager, page_name="cmr_complaints")
        return request.render("cmr_module.portal_my_complaints", values)

    @http.route(
        "/my/complaints/new", type="http", auth="user", website=True, methods=["GET"]
    )
    def portal_complaint_new(self, **kw):
        return request.render(
            "cmr_module.portal_complaint_new", self._cmr_complaint_form_values()
        )

    @http.route(
        "/my/complaints/new", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_complaint_file(self, **post):
        # The customer is the logged-in user's partner, never one from the form.
        partner = request.env.user.partner_id
        # The files go to the model as they are; it checks and attaches them.
        files = [
            (upload.filename, upload.read(), upload.mimetype)
            for upload in request.httprequest.files.getlist("attachments")
        ]
        post.pop("attachments", None)
        try:
            # Nothing half-written: the complaint, its files and its first
            # message are saved together or not at all.
            with request.env.cr.savepoint():
                complaint = request.env["cmr.complaint"]._cmr_portal_file(
                    partner, post, files=files
                )
        except (UserError, ValidationError) as error:
            # The form comes back filled in, without what was refused for
            # its size or characters.
            form = {
                name: value
                for name, value in post.items()
                if isinstance(value, str)
                and len(value) <= LONG_TEXT_MAX
                and not has_control_characters(value)
            }
            return request.render(
                "cmr_module.portal_complaint_new",
                self._cmr_complaint_form_values(form=form, error=error.args[0]),
            )
        return request.redirect(complaint.access_url)

    def _cmr_complaint_or_error(self, complaint_id, access_token=None):
        """The complaint as superuser, but on behalf of the logged-in user:
        the environment's user stays who acts (a customer, an employee), so
        that the model decides by them, not by the superuser."""
        try:
            complaint_sudo = self._document_check_access(
                "cmr.complaint", complaint_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return None
        return complaint_sudo.with_user(request.env.user).sudo()

    def _cmr_can_act(self, complaint):
        """Whether the logged-in user may act on the complaint in the portal:
        its customer or their company's contacts (the portal's own rule).
        Not whoever holds the link's token, and not staff, who may only see
        some complaints and work on them in the back office."""
        user = request.env.user
        return not user._is_public() and (
            complaint.partner_id.commercial_partner_id
            == user.partner_id.commercial_partner_id
        )

    def _cmr_forbidden(self):
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
    )
    def portal_complaint_page(self, complaint_id, access_token=None, **kw):
        # No error from the query string: our page would show anyone's text.
        return self._cmr_complaint_page(complaint_id, access_token)

    def _cmr_complaint_page(self, complaint_id, access_token=None, error=None):
        complaint = self._cmr_complaint_or_error(complaint_id, access_token)
        if complaint is None:
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        values.update(
            complaint=complaint,
            messages=complaint._cmr_portal_messages(),
            documents=complaint._cmr_portal_documents(request.env.user),
            attachments=complaint._cmr_portal_attachments(),
            rated=complaint._cmr_rated(),
            can_act=self._cmr_can_act(complaint),
            can_rate=complaint.partner_id == request.env.user.partner_id,
            page_name="cmr_complaint",
            error=error,
        )
        return request.render("cmr_module.portal_complaint_page", values)

    @http.route(
        "/my/complaints/<int:complaint_id>/<any(reply,confirm,reopen,rate):action>",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_complaint_act(self, complaint_id, action, access_token=None, **post):
        # A link's token only lets its holder read: acting is for the
        # complaint's customer and their company's contacts.
        complaint = self._cmr_complaint_or_error(complaint_id)
        if complaint is None or not self._cmr_can_act(complaint):
            return self._cmr_forbidden()
        partner = request.env.user.partner_id
        try:
            # Nothing half-written: a reopening's message and its stage
            # change are saved together or not at all.
            with request.env.cr.savepoint():
                self._cmr_complaint_act(complaint, action, partner, post)
        except (UserError, ValidationError) as error:
            return self._cmr_complaint_page(
                complaint_id, access_token=access_token, error=error.args[0]
            )
        return request.redirect(complaint.access_url)

    def _cmr_complaint_act(self, complaint, action, partner, post):
        """Hand the form's clean values to the complaint's methods."""
        if action == "reply":
            complaint._cmr_portal_post(partner, post.get("message"))
        elif action == "confirm":
            complaint.action_confirm()
        elif action == "reopen":
            complaint._cmr_portal_post(partner, post.get("message"))
            complaint.action_reopen()
        else:
            rate = str(post.get("rate") or "").strip()
            # Only "1" to "5": int() would also take "٤" or "+5".
            if rate not in ("1", "2", "3", "4", "5"):
                raise UserError(request.env._("Rate the handling from 1 to 5."))
            complaint._cmr_rate(partner, int(rate), post.get("feedback") or None)
