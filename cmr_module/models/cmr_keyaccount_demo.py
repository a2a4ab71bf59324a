"""Demo data of the key-account teams, loaded once by
demo/cmr_keyaccount_demo.xml: Huadong Precision's two past reviews (the
older one's minutes shared with the customer), their action items and the
next review planned in Huadong's window."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models


class CmrKeyaccountDemo(models.AbstractModel):
    _name = "cmr.keyaccount.demo"
    _description = "Key-account Demo Data"

    @api.model
    def _load(self):
        env = self.env
        huadong = env.ref("cmr_module.cmr_partner_huadong")
        Review = env["cmr.keyaccount.review"]
        if Review.search_count([("partner_id", "=", huadong.id)], limit=1):
            return
        now = fields.Datetime.now()
        team = {m.role_id.code: m.user_id for m in huadong.cmr_keyaccount_member_ids}
        texts = [
            (
                Markup(
                    "<p>Gas pressure at the heat-treatment line fell twice in the "
                    "quarter; logistics switches deliveries to night hours.</p>"
                ),
                Markup(
                    "<ul><li>Night deliveries from next month.</li>"
                    "<li>A pressure logger on the line, read remotely by IT "
                    "support.</li></ul>"
                ),
                True,
            ),
            (
                Markup("<p>Volumes down 20 %: a new furnace line is delayed.</p>"),
                Markup(
                    "<ul><li>Offer a flexible volume clause for the next "
                    "contract.</li></ul>"
                ),
                False,
            ),
        ]
        for months, (minutes, decisions, shared) in zip((6, 3), texts, strict=True):
            start = huadong._cmr_first_slot(now - relativedelta(months=months), 1.0)
            review = Review.create({"partner_id": huadong.id, "planned_date": start})
            review.write(
                {
                    "state": "held",
                    "held_date": start + timedelta(days=2),
                    "minutes": minutes,
                    "decisions": decisions,
                    "shared": shared,
                }
            )
            deadline = (start + timedelta(days=21)).date()
            done = review._add_action_item(
                team.get("logistics") or review.lead_id,
                env._("Move deliveries to night hours"),
                deadline,
            )
            review._add_action_item(
                team.get("it_support") or review.lead_id,
                env._("Install the pressure logger"),
                deadline,
            )
            done.action_done()
            # Done a week before its due date.
            done.date_done = deadline - timedelta(days=7)
        Review._plan_next(huadong)
