from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class CmrTimelinePortal(CustomerPortal):
    """The customer's own history at /my/timeline: the timeline's sources
    without the internal events, newest first, one page at a time (keyset
    paging: ``?after=`` the last event of the previous page)."""

    _timeline_page_size = 30

    @http.route(
        "/my/timeline",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
        readonly=True,
    )
    def portal_my_timeline(self, after=None, kind=None, **kw):
        Timeline = request.env["cmr.timeline"]
        values = self._prepare_portal_layout_values()
        kinds = {k: label for k, label, _source in Timeline._kinds()}
        kind = kind if kind in kinds else None
        error = None
        try:
            cursor = Timeline.parse_cursor((after or "")[:80])
        except ValidationError as refusal:
            cursor, error = None, refusal.args[0]
        page = Timeline._page(
            request.env.user.partner_id,
            limit=self._timeline_page_size,
            cursor=cursor,
            kinds=[kind] if kind else None,
            portal=True,
        )
        values.update(
            page_name="cmr_timeline",
            events=page["events"],
            next_cursor=Timeline.format_cursor(page["next"]),
            is_first_page=not cursor,
            kind=kind or "",
            kinds=[
                (k, label) for k, label in kinds.items() if k not in self._staff_kinds()
            ],
            error=error,
        )
        return request.render("cmr_module.portal_my_timeline", values)

    def _staff_kinds(self):
        """Kinds that are always internal: not offered as a filter."""
        return {"contact_refused", "complaint_handover", "note"}
