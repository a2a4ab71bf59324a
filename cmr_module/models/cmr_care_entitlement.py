"""Which tiers and which alliance cards entitle a customer to a care
service, how often, and what is left of it.

What is left is computed for a whole page of customers in one SQL
statement (``_left``): the customer's tier standings and active cards give
the entitlements that apply, the visits that reserve or consumed a unit of
each entitlement in its current period are counted, and unused units of the
previous period are added where the entitlement carries them over.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# Visits that hold a unit of quota: a request reserves it, a done visit
# consumes it; cancelled and missed ones release it.
HOLDING_STATES = ["requested", "scheduled", "done"]
# Units a single entitlement grants per period at most.
QUOTA_MAX = 1000

PERIODS = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]

LEFT_QUERY = """
WITH target AS (
    SELECT unnest(%(partner_ids)s::int[]) AS partner_id
),
rights AS (
    SELECT pt.partner_id, e.id AS entitlement_id
      FROM cmr_partner_tier pt
      JOIN target USING (partner_id)
      JOIN cmr_care_entitlement e ON e.tier_id = pt.tier_id AND e.active
    UNION
    SELECT m.partner_id, e.id
      FROM cmr_membership m
      JOIN target USING (partner_id)
      JOIN cmr_care_entitlement e ON e.alliance_id = m.alliance_id AND e.active
     WHERE m.state = 'active'
       AND m.date_start <= %(day)s
       AND (m.date_end IS NULL OR m.date_end >= %(day)s)
),
span AS (
    SELECT r.partner_id, e.id AS entitlement_id, e.service_id, e.quota,
           e.carry_over, e.create_date,
           date_trunc(e.period, %(day)s::timestamp)::date AS period_start,
           (date_trunc(e.period, %(day)s::timestamp) + len.span)::date AS period_end,
           (date_trunc(e.period, %(day)s::timestamp) - len.span)::date
               AS previous_start
      FROM rights r
      JOIN cmr_care_entitlement e ON e.id = r.entitlement_id
      CROSS JOIN LATERAL (
          SELECT CASE e.period WHEN 'month' THEN interval '1 month'
                               WHEN 'quarter' THEN interval '3 months'
                               ELSE interval '1 year' END AS span
      ) len
      JOIN cmr_care_service s ON s.id = e.service_id AND s.active
     WHERE %(service_ids)s::int[] IS NULL OR e.service_id = ANY(%(service_ids)s)
),
used AS (
    SELECT s.partner_id, s.entitlement_id,
           count(v.id) FILTER (WHERE v.period_date >= s.period_start) AS used,
           count(v.id) FILTER (WHERE v.period_date < s.period_start) AS used_before
      FROM span s
      JOIN cmr_care_visit v
        ON v.partner_id = s.partner_id
       AND v.entitlement_id = s.entitlement_id
       AND v.state = ANY(%(states)s)
       AND v.period_date >= s.previous_start
       AND v.period_date < s.period_end
  GROUP BY s.partner_id, s.entitlement_id
)
SELECT s.partner_id, s.service_id, s.entitlement_id, s.quota,
       CASE WHEN s.carry_over AND s.create_date::date < s.period_start
            THEN GREATEST(s.quota - COALESCE(u.used_before, 0), 0)
            ELSE 0 END AS carried,
       COALESCE(u.used, 0) AS used,
       s.period_end
  FROM span s
  LEFT JOIN used u
    ON u.partner_id = s.partner_id AND u.entitlement_id = s.entitlement_id
 ORDER BY s.partner_id, s.service_id, s.period_end, s.entitlement_id
"""


class CmrCareEntitlement(models.Model):
    """A tier or an alliance card entitles its customers to a service,
    ``quota`` times per period. Entitlements of a customer's tier and of
    their cards for the same service add up."""

    _name = "cmr.care.entitlement"
    _inherit = ["cmr.input.guard"]
    _description = "Care Entitlement"
    _order = "service_id, tier_id, alliance_id, id"
    _check_company_auto = True
    _input_number_ranges = {"quota": (0, QUOTA_MAX)}

    service_id = fields.Many2one(
        "cmr.care.service",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="service_id.company_id", store=True, index=True, precompute=True
    )
    active = fields.Boolean(default=True)
    source = fields.Selection(
        [("tier", "Tier"), ("alliance", "Alliance Card")],
        required=True,
        default="tier",
    )
    tier_id = fields.Many2one(
        "cmr.tier", index="btree_not_null", ondelete="cascade", check_company=True
    )
    alliance_id = fields.Many2one(
        "cmr.alliance",
        index="btree_not_null",
        ondelete="cascade",
        check_company=True,
    )
    quota = fields.Integer(
        required=True, default=1, help="Units per customer and per period."
    )
    period = fields.Selection(PERIODS, required=True, default="year")
    carry_over = fields.Boolean(
        help="Units left unused at the end of a period are added to the next "
        "period (one period back, not accumulated further)."
    )

    _sql_constraints = [
        ("quota_positive", "CHECK (quota >= 0)", "A quota cannot be negative."),
        (
            "one_source",
            "CHECK ((source = 'tier' AND tier_id IS NOT NULL AND alliance_id IS NULL)"
            " OR (source = 'alliance' AND alliance_id IS NOT NULL"
            " AND tier_id IS NULL))",
            "An entitlement comes from one tier or one alliance.",
        ),
    ]

    @api.depends("service_id", "tier_id", "alliance_id", "quota", "period")
    def _compute_display_name(self):
        periods = dict(self._fields["period"]._description_selection(self.env))
        for entitlement in self:
            holder = entitlement.tier_id or entitlement.alliance_id
            entitlement.display_name = self.env._(
                "%(service)s: %(quota)s per %(period)s (%(holder)s)",
                service=entitlement.service_id.name or "",
                quota=entitlement.quota,
                period=(periods.get(entitlement.period) or "").lower(),
                holder=holder.display_name or "",
            )

    @api.onchange("source")
    def _onchange_source(self):
        if self.source == "tier":
            self.alliance_id = False
        else:
            self.tier_id = False

    @api.constrains("quota")
    def _check_quota(self):
        for entitlement in self:
            if entitlement.quota < 0:
                raise ValidationError(self.env._("A quota cannot be negative."))

    # ------------------------------------------------------------------
    # What is left
    # ------------------------------------------------------------------
    @api.model
    def _left_rows(self, partner_ids, day=None, service_ids=None):
        """One row per (customer, entitlement) that applies on ``day``:
        ``(partner_id, service_id, entitlement_id, quota, carried, used,
        period_end)``. One SQL statement for all of ``partner_ids``."""
        if not partner_ids:
            return []
        for model in (
            "cmr.care.visit",
            "cmr.care.entitlement",
            "cmr.care.service",
            "cmr.partner.tier",
            "cmr.membership",
        ):
            self.env[model].flush_model()
        day = day or fields.Date.context_today(self)
        return self.env.execute_query(
            SQL(
                LEFT_QUERY,
                partner_ids=list(partner_ids),
                day=day,
                service_ids=list(service_ids) if service_ids else None,
                states=HOLDING_STATES,
            )
        )

    @api.model
    def _left(self, partner_ids, day=None, service_ids=None):
        """``{partner_id: {service_id: {'quota', 'used', 'left', 'renews',
        'entitlements': [(entitlement_id, left, period_end)]}}}``: what
        each customer's tier and cards give, what they used this period and
        what is left. Entitlements of one service add up."""
        result = defaultdict(dict)
        rows = self._left_rows(partner_ids, day=day, service_ids=service_ids)
        for partner_id, service_id, entitlement_id, quota, carried, used, end in rows:
            line = result[partner_id].setdefault(
                service_id,
                {"quota": 0, "used": 0, "left": 0, "renews": end, "entitlements": []},
            )
            left = max(quota + carried - used, 0)
            line["quota"] += quota + carried
            line["used"] += used
            line["left"] += left
            line["renews"] = min(line["renews"], end)
            line["entitlements"].append((entitlement_id, left, end))
        return result
