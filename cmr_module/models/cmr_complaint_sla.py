from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .cmr_input_guard import NAME_MAX

# A year of working days: beyond it a deadline means nothing, and planning
# business hours that far takes long.
SLA_HOURS_MAX = 2000
AUTO_CLOSE_DAYS_MAX = 365
# Far above any list's length, far below an integer column's overflow.
SEQUENCE_MAX = 1_000_000


class CmrComplaintSla(models.Model):
    """How fast complaints must be acknowledged and answered.

    A policy applies to a customer tier and/or a complaint category; empty
    means any. The most specific policy wins (tier and category, then tier,
    then category, then the default policy with neither). Hours are business
    hours of the policy's working schedule (the company's by default).
    """

    _name = "cmr.complaint.sla"
    _inherit = ["cmr.input.guard"]
    _description = "Complaint Service Level"
    _order = "sequence, id"
    _check_company_auto = True
    _input_text_limits = {"name": NAME_MAX}
    _input_number_ranges = {
        "first_response_hours": (0, SLA_HOURS_MAX),
        "resolution_hours": (0, SLA_HOURS_MAX),
        "reminder_hours": (0, SLA_HOURS_MAX),
        "auto_close_days": (1, AUTO_CLOSE_DAYS_MAX),
        "sequence": (0, SEQUENCE_MAX),
    }

    name = fields.Char(
        required=True, translate=True, help=f"At most {NAME_MAX} characters."
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    tier_id = fields.Many2one(
        "cmr.tier",
        index=True,
        ondelete="cascade",
        check_company=True,
        help="Empty: customers of any tier, and customers without a tier.",
    )
    category_id = fields.Many2one(
        "cmr.complaint.category",
        index=True,
        ondelete="cascade",
        help="Empty: complaints of any category.",
    )
    first_response_hours = fields.Float(
        default=4.0,
        help="Business hours to acknowledge a complaint (also the deadline of "
        f"the unowned queue), at most {SLA_HOURS_MAX}.",
    )
    resolution_hours = fields.Float(
        default=16.0,
        help=f"Business hours to send the answer to the customer, at most "
        f"{SLA_HOURS_MAX}.",
    )
    reminder_hours = fields.Float(
        default=2.0,
        help="The owner is reminded this many hours before the reply deadline "
        f"(at most {SLA_HOURS_MAX}).",
    )
    auto_close_days = fields.Integer(
        default=7,
        help="Answered complaints the customer neither confirms nor reopens "
        f"are closed after this many days (1 to {AUTO_CLOSE_DAYS_MAX}).",
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        check_company=True,
        help="Empty: the company's working hours.",
    )
    escalation_user_id = fields.Many2one(
        "res.users",
        string="Escalation Manager",
        help="Told of breaches when the complaint's team has no leader.",
    )

    @api.constrains("first_response_hours", "resolution_hours", "auto_close_days")
    def _check_hours(self):
        for sla in self:
            if (
                sla.first_response_hours <= 0
                or sla.resolution_hours <= 0
                or sla.auto_close_days <= 0
            ):
                raise ValidationError(
                    self.env._(
                        "Service level hours and the auto-close delay must be positive."
                    )
                )

    def _working_calendar(self):
        self.ensure_one()
        return self.calendar_id or self.company_id.resource_calendar_id

    @api.model
    def _find_policy(self, company, tier, category):
        """The policy that applies, or an empty recordset."""
        policies = self.search(
            [
                ("company_id", "=", company.id),
                ("tier_id", "in", [tier.id, False]),
                ("category_id", "in", [category.id, False]),
            ]
        )
        return policies._best_for(tier, category)

    def _best_for(self, tier, category):
        """The most specific policy of ``self`` for ``tier``/``category``."""
        candidates = self.filtered(
            lambda p: (
                p.tier_id in (tier, self.env["cmr.tier"])
                and p.category_id in (category, self.env["cmr.complaint.category"])
            )
        )
        return candidates.sorted(
            lambda p: (not p.tier_id, not p.category_id, p.sequence, p.id)
        )[:1]
