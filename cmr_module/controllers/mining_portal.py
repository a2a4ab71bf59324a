from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal, get_error

from ..models.cmr_input_guard import TEXT_MAX, check_input_values
from .portal_form import parse_count


class CmrMiningPortal(CustomerPortal):
    """When a customer deletes their portal account, they may say why they
    leave: one of the active churn reasons and a comment, both optional.
    A reason given is recorded as a churn reason of their company (source
    portal), counted by the 14-day KPI; none, nothing is recorded."""

    def _cmr_churn_reasons(self):
        return request.env["cmr.mining.churn.reason"]._portal_reasons(
            request.env.company
        )

    def _cmr_parse_churn_answer(self, reason_value, note):
        """``(reason id or False, note or False)``, or a translated
        ValidationError: a reason that is not offered to this customer,
        a comment too long or with control characters."""
        env = request.env
        label = env._("Why are you leaving?")
        reason_id = parse_count(env, reason_value, label)
        if reason_id and reason_id not in self._cmr_churn_reasons().ids:
            raise ValidationError(
                env._(
                    "This reason is not offered (any more): choose one from the "
                    "list, or none."
                )
            )
        if not reason_id:
            # A comment without a reason is not recorded: nothing to check.
            return False, False
        note = (note or "").strip()
        if note:
            check_input_values(
                env["cmr.mining.churn.record"],
                {"note": note},
                {"note": TEXT_MAX},
                {},
            )
        return reason_id, note or False

    def _cmr_security_values(self, response, post=None):
        """Add the reasons (and what the customer chose) to a rendered
        security page."""
        if getattr(response, "qcontext", None) is not None:
            response.qcontext["cmr_churn_reasons"] = self._cmr_churn_reasons()
            response.qcontext["cmr_churn_post"] = post or {}
        return response

    @http.route()
    def security(self, **post):
        return self._cmr_security_values(super().security(**post))

    @http.route()
    def deactivate_account(self, validation, password, **post):
        answer = {
            "cmr_churn_reason_id": post.pop("cmr_churn_reason_id", ""),
            "cmr_churn_note": post.pop("cmr_churn_note", ""),
        }
        try:
            reason_id, note = self._cmr_parse_churn_answer(
                answer["cmr_churn_reason_id"], answer["cmr_churn_note"]
            )
        except ValidationError as error:
            values = self._prepare_portal_layout_values()
            values.update(
                get_error=get_error,
                open_deactivate_modal=True,
                errors={"deactivate": {"other": error.args[0]}},
                cmr_churn_reasons=self._cmr_churn_reasons(),
                cmr_churn_post=answer,
            )
            return request.render(
                "portal.portal_my_security",
                values,
                headers={
                    "X-Frame-Options": "SAMEORIGIN",
                    "Content-Security-Policy": "frame-ancestors 'self'",
                },
            )
        if reason_id:
            post.update(cmr_churn_reason_id=reason_id, cmr_churn_note=note)
        response = super().deactivate_account(validation, password, **post)
        return self._cmr_security_values(response, answer)
