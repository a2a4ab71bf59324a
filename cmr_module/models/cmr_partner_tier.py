from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools.misc import formatLang

from ..tools.sql import set_fillfactor

# What a gap of one criterion reads like to the customer (raw units).
GAP_KINDS = ("revenue", "margin", "sales", "referrals")


class CmrTierStanding(models.Model):
    """A customer's standing on a company's tier ladder.

    The re-evaluation writes these rows in bulk; staff lock or change a tier
    through the wizard. Every move is kept in ``cmr.tier.history``.
    """

    _name = "cmr.partner.tier"
    _description = "Tier Standing"
    _order = "score desc, id"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    ladder_id = fields.Many2one(
        "cmr.tier.ladder", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    category_id = fields.Many2one(
        related="partner_id.cmr_category_id",
        string="Category",
        store=True,
        groups="cmr_module.group_cmr_user",
    )
    tier_id = fields.Many2one(
        "cmr.tier", index=True, readonly=True, ondelete="restrict"
    )
    tier_color = fields.Integer(related="tier_id.color")
    score = fields.Float(digits=(16, 2), readonly=True, aggregator="avg")
    breakdown = fields.Json(
        readonly=True, help="Points (0-100) of each criterion at the last change."
    )
    breakdown_html = fields.Html(
        string="Score Breakdown", compute="_compute_breakdown_html", sanitize=False
    )
    # The figures behind the score are staff's working data: the customer
    # sees the score, its breakdown in points and the upgrade path.
    revenue = fields.Monetary(
        readonly=True,
        help="Invoiced net of credit notes over the rolling window.",
        groups="cmr_module.group_cmr_user",
    )
    margin = fields.Monetary(
        string="Gross Margin", readonly=True, groups="cmr_module.group_cmr_user"
    )
    sales = fields.Monetary(
        string="Confirmed Sales", readonly=True, groups="cmr_module.group_cmr_user"
    )
    ontime_rate = fields.Float(
        string="Paid on Time (%)",
        digits=(5, 2),
        readonly=True,
        aggregator="avg",
        groups="cmr_module.group_cmr_user",
    )
    days_late = fields.Float(
        string="Average Days Late",
        digits=(8, 2),
        readonly=True,
        aggregator="avg",
        groups="cmr_module.group_cmr_user",
    )
    compliance = fields.Float(
        string="Compliance Rating",
        digits=(5, 2),
        readonly=True,
        groups="cmr_module.group_cmr_user",
    )
    influence = fields.Float(
        string="Influence Rating",
        digits=(5, 2),
        readonly=True,
        groups="cmr_module.group_cmr_user",
    )
    referrals = fields.Integer(readonly=True, groups="cmr_module.group_cmr_user")
    below_count = fields.Integer(
        string="Evaluations Below",
        readonly=True,
        help="Consecutive evaluations that placed the customer below this tier.",
        groups="cmr_module.group_cmr_user",
    )
    below_since = fields.Date(readonly=True, groups="cmr_module.group_cmr_user")
    below_date = fields.Date(
        string="Last Evaluation Below",
        readonly=True,
        help="An evaluation counts once a day, so that re-running it changes nothing.",
        groups="cmr_module.group_cmr_user",
    )
    lock_tier_id = fields.Many2one(
        "cmr.tier", string="Locked Tier", readonly=True, ondelete="restrict"
    )
    lock_reason = fields.Char(readonly=True, groups="cmr_module.group_cmr_user")
    lock_until = fields.Date(string="Locked Until", readonly=True)
    next_tier_id = fields.Many2one("cmr.tier", readonly=True)
    gap_score = fields.Float(
        string="Score Gap", digits=(16, 2), readonly=True, aggregator="avg"
    )
    gap_revenue = fields.Monetary(string="Revenue Gap", readonly=True)
    upgrade_path = fields.Char(compute="_compute_upgrade_path")
    history_ids = fields.One2many(
        "cmr.tier.history",
        compute="_compute_history_ids",
        string="Tier History",
    )

    _sql_constraints = [
        (
            "partner_ladder_uniq",
            "unique (partner_id, ladder_id)",
            "A customer has one standing per tier ladder.",
        ),
    ]

    def init(self):
        # Every re-evaluation rewrites the scores of most customers.
        set_fillfactor(self.env, self._table, 70)

    @api.constrains("lock_tier_id", "lock_reason", "lock_until")
    def _check_lock(self):
        today = fields.Date.context_today(self)
        for standing in self.filtered("lock_tier_id"):
            if not (standing.lock_reason or "").strip():
                raise ValidationError(self.env._("A tier lock needs a reason."))
            if not standing.lock_until or standing.lock_until < today:
                raise ValidationError(
                    self.env._("A tier lock needs an expiry date from today on.")
                )
            if standing.lock_tier_id.ladder_id != standing.ladder_id:
                raise ValidationError(
                    self.env._("A customer can only be locked in a tier of its ladder.")
                )

    @api.depends("breakdown")
    @api.depends_context("lang")
    def _compute_breakdown_html(self):
        labels = dict(
            self.env["cmr.score.criterion"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        row = Markup("<tr><td>%s</td><td class='text-end'>%s</td></tr>")
        head = Markup(
            "<table class='table table-sm o_cmr_breakdown'><thead><tr>"
            "<th>%s</th><th class='text-end'>%s</th></tr></thead><tbody>"
        ) % (self.env._("Criterion"), self.env._("Points (0-100)"))
        for standing in self:
            rows = Markup("").join(
                row % (labels.get(kind, kind), f"{points:.1f}")
                for kind, points in sorted((standing.breakdown or {}).items())
            )
            standing.breakdown_html = rows and head + rows + Markup("</tbody></table>")

    def _compute_history_ids(self):
        histories = self.env["cmr.tier.history"].search(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("ladder_id", "in", self.ladder_id.ids),
            ]
        )
        for standing in self:
            standing.history_ids = histories.filtered(
                lambda h, s=standing: (
                    h.partner_id == s.partner_id and h.ladder_id == s.ladder_id
                )
            )

    @api.depends("next_tier_id", "gap_score", "gap_revenue", "breakdown")
    @api.depends_context("lang")
    def _compute_upgrade_path(self):
        for standing in self:
            standing.upgrade_path = standing._describe_upgrade_path()

    def _describe_upgrade_path(self):
        """What the customer still needs for the next tier, in plain words."""
        self.ensure_one()
        ladder, tier = self.ladder_id, self.next_tier_id
        if not tier:
            return ""
        months = ladder.window_months
        if ladder.method == "pareto":
            return self.env._(
                "+%(amount)s invoiced in %(months)s months to reach %(tier)s",
                amount=formatLang(
                    self.env, self.gap_revenue, currency_obj=self.currency_id
                ),
                months=months,
                tier=tier.name,
            )
        gap = self.gap_score
        breakdown = self.breakdown or {}
        # Criteria are configuration: the customer reads the text, not them.
        criteria = ladder.sudo()._criteria_for(self.partner_id.cmr_category_id)
        # The heaviest criterion that can close the gap on its own.
        for criterion in criteria.sorted(lambda c: (-c.weight, c.sequence)):
            points_needed = gap * 100.0 / criterion.weight
            if breakdown.get(criterion.kind, 0.0) + points_needed > 100.0 + 1e-6:
                continue
            if criterion.kind in GAP_KINDS:
                raw = points_needed * criterion.target / 100.0
                if criterion.kind == "referrals":
                    return self.env._(
                        "+%(count)s referrals to reach %(tier)s",
                        count=max(1, round(raw + 0.4999)),
                        tier=tier.name,
                    )
                values = {
                    "amount": formatLang(self.env, raw, currency_obj=self.currency_id),
                    "months": months,
                    "tier": tier.name,
                }
                if criterion.kind == "revenue":
                    return self.env._(
                        "+%(amount)s invoiced in %(months)s months to reach %(tier)s",
                        **values,
                    )
                if criterion.kind == "margin":
                    return self.env._(
                        "+%(amount)s gross margin in %(months)s months to reach "
                        "%(tier)s",
                        **values,
                    )
                return self.env._(
                    "+%(amount)s confirmed sales in %(months)s months to reach "
                    "%(tier)s",
                    **values,
                )
            if criterion.kind in ("payment_ontime", "payment_delay"):
                return self.env._(
                    "+%(points)s payment-integrity points to reach %(tier)s",
                    points=round(points_needed, 1),
                    tier=tier.name,
                )
            if criterion.kind == "compliance":
                return self.env._(
                    "+%(points)s compliance points to reach %(tier)s",
                    points=round(points_needed, 1),
                    tier=tier.name,
                )
            return self.env._(
                "+%(points)s influence points to reach %(tier)s",
                points=round(points_needed, 1),
                tier=tier.name,
            )
        return self.env._(
            "+%(points)s score points to reach %(tier)s",
            points=round(gap, 1),
            tier=tier.name,
        )

    @api.model
    def _portal_values(self, partner):
        """Standings and tier history of ``partner``'s company, for /my/tier.

        Read with the portal user's own rights: record rules keep them to
        their own commercial partner.
        """
        commercial = partner.commercial_partner_id
        standings = self.search(
            [("partner_id", "=", commercial.id), ("ladder_id.active", "=", True)]
        )
        history = self.env["cmr.tier.history"].search(
            [("partner_id", "=", commercial.id)], limit=50
        )
        return {
            "standings": standings,
            "tier_history": history,
            "ladder_tiers": {
                standing.id: standing.ladder_id._ordered_tiers()
                for standing in standings
            },
        }

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_change_tier(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_tier_change_wizard_action"
        )
        action["context"] = {"default_standing_ids": self.ids}
        return action

    def action_unlock(self):
        # Standings are written by the evaluation and the tier wizard only
        # (as superuser, with a history line); managers may unlock.
        if not self.env.user.has_group("cmr_module.group_cmr_manager"):
            raise AccessError(self.env._("Only CMR managers can remove a tier lock."))
        self.check_access("read")
        locked = self.filtered("lock_tier_id")
        if not locked:
            return
        self.env["cmr.tier.history"].sudo()._record_moves(
            [
                {
                    "standing": standing,
                    "to_tier": standing.tier_id,
                    "reason": "unlock",
                    "note": self.env._(
                        "Lock removed (was: %(reason)s)", reason=standing.lock_reason
                    ),
                }
                for standing in locked
            ]
        )
        locked.sudo().write(
            {"lock_tier_id": False, "lock_reason": False, "lock_until": False}
        )

    def action_view_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_tier_history_action"
        )
        action["domain"] = [
            ("partner_id", "=", self.partner_id.id),
            ("ladder_id", "=", self.ladder_id.id),
        ]
        action["context"] = {}
        return action
