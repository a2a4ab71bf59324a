from datetime import date

from odoo import api, fields, models
from odoo.tools import SQL

# How many periods of each kind a year holds (an entitlement's quota is per
# period).
PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}

CARE_USAGE_QUERY = """
SELECT p.commercial_partner_id AS partner_id,
       COUNT(DISTINCT v.id) AS done,
       COUNT(r.id) AS ratings,
       AVG(r.rating) AS rating
  FROM cmr_care_visit v
  JOIN res_partner p ON p.id = v.partner_id
  LEFT JOIN rating_rating r
    ON r.res_model = 'cmr.care.visit' AND r.res_id = v.id
   AND r.consumed AND r.rating > 0
 WHERE p.commercial_partner_id = ANY(%(partner_ids)s)
   AND v.state = 'done'
   AND v.period_date >= %(year_start)s
   AND v.period_date < %(next_year)s
 GROUP BY p.commercial_partner_id
"""


class CmrKeyaccountReview(models.Model):
    """The review's agenda tells the key account's care usage (R5 in R8):
    visits done this year against what their tier and cards entitle them
    to in a year, and the average rating they gave the visits."""

    _inherit = "cmr.keyaccount.review"

    @api.model
    def _agenda_extra_items_multi(self, partners):
        items = super()._agenda_extra_items_multi(partners)
        usage = self._care_usage(partners)
        for partner in partners:
            done, entitled, ratings, rating = usage.get(partner.id, (0, 0, 0, None))
            if ratings:
                rated = self.env._(
                    "average rating %(rating)s / 5 (%(count)s ratings)",
                    rating="%.1f" % rating,
                    count=ratings,
                )
            else:
                rated = self.env._("no rating yet")
            items.setdefault(partner.id, []).append(
                self.env._(
                    "Care usage this year: %(done)s visit(s) done of %(entitled)s "
                    "entitled; %(rated)s",
                    done=done,
                    entitled=entitled,
                    rated=rated,
                )
            )
        return items

    @api.model
    def _care_usage(self, partners, day=None):
        """{partner id: (visits done this year, visits entitled in a year,
        number of ratings, average rating)} in two queries for all of
        ``partners``."""
        if not partners:
            return {}
        day = day or fields.Date.context_today(self)
        for model in ("cmr.care.visit", "rating.rating", "res.partner"):
            self.env[model].flush_model()
        rows = self.env.execute_query(
            SQL(
                CARE_USAGE_QUERY,
                partner_ids=partners.ids,
                year_start=date(day.year, 1, 1),
                next_year=date(day.year + 1, 1, 1),
            )
        )
        done = {row[0]: row[1:] for row in rows}
        Entitlement = self.env["cmr.care.entitlement"].sudo()
        entitled = dict.fromkeys(partners.ids, 0)
        left_rows = Entitlement._left_rows(partners.ids, day=day)
        periods = {
            e.id: e.period for e in Entitlement.browse({r[2] for r in left_rows})
        }
        for partner_id, _service, entitlement_id, quota, *_rest in left_rows:
            entitled[partner_id] += quota * PERIODS_PER_YEAR[periods[entitlement_id]]
        return {
            partner_id: (
                done.get(partner_id, (0, 0, None))[0],
                entitled[partner_id],
                done.get(partner_id, (0, 0, None))[1],
                done.get(partner_id, (0, 0, None))[2],
            )
            for partner_id in partners.ids
        }
