"""Gifts matched to the customer's interests.

``_suggest`` ranks the gifts in hand for one customer in one SQL
statement: by how many of the customer's interests each suits, without
what they received within the exclusion window (24 months unless
configured), within what is left of their tier's yearly budget. A
customer without interests gets the gifts whose name matches words of
their gift preferences, then their tier's default gift.
"""

import re

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date

from .cmr_input_guard import TEXT_MAX

EXCLUSION_PARAM = "cmr_module.care_gift_exclusion_months"
EXCLUSION_DEFAULT = 24
# Words of a gift preference matched against gift names.
PREFERENCE_WORDS = 10

SUGGEST_QUERY = """
WITH wanted AS (
    SELECT interest_id FROM cmr_interest_res_partner_rel
     WHERE partner_id = %(partner)s
),
recent AS (
    SELECT product_id FROM cmr_care_gift
     WHERE partner_id = %(partner)s AND state = 'confirmed' AND date >= %(since)s
)
SELECT pp.id,
       count(w.interest_id) AS matches,
       (SELECT min(w2.interest_id) FROM cmr_interest_product_template_rel r2
          JOIN wanted w2 ON w2.interest_id = r2.interest_id
         WHERE r2.product_template_id = pt.id) AS interest_id,
       pt.cmr_gift_value
  FROM product_product pp
  JOIN product_template pt ON pt.id = pp.product_tmpl_id
  LEFT JOIN cmr_interest_product_template_rel r ON r.product_template_id = pt.id
  LEFT JOIN wanted w ON w.interest_id = r.interest_id
 WHERE pt.cmr_is_gift AND pt.active AND pp.active
   AND COALESCE(pt.cmr_gift_qty, 0) > 0
   AND (pt.company_id IS NULL OR pt.company_id = %(company)s)
   AND pp.id NOT IN (SELECT product_id FROM recent)
   AND (%(budget_left)s::numeric IS NULL
        OR COALESCE(pt.cmr_gift_value, 0) <= %(budget_left)s::numeric)
   AND (%(mode)s <> 'words' OR pt.name::text ILIKE ANY(%(patterns)s::text[]))
   AND (%(mode)s <> 'product' OR pp.id = %(product)s)
 GROUP BY pp.id, pt.id
HAVING %(mode)s <> 'interests' OR count(w.interest_id) > 0
 ORDER BY count(w.interest_id) DESC, pt.cmr_gift_value DESC, pp.id
 LIMIT %(limit)s
"""


class CmrCareGift(models.Model):
    """A gift to a customer: proposed, then confirmed by staff (it then
    counts against the budget, takes one from the gifts in hand and shows
    on the customer's timeline)."""

    _name = "cmr.care.gift"
    _inherit = ["mail.thread", "cmr.input.guard", "cmr.workflow.guard.mixin"]
    _description = "Care Gift"
    _order = "date desc, id desc"
    _check_company_auto = True
    _input_text_limits = {"note": TEXT_MAX}
    _workflow_fields = frozenset({"state", "value", "tier_id", "date"})

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(
        "product.product",
        string="Gift",
        required=True,
        index=True,
        domain=[("cmr_is_gift", "=", True)],
        check_company=True,
        tracking=True,
    )
    interest_id = fields.Many2one(
        "cmr.interest",
        string="Matched Interest",
        index="btree_not_null",
        groups="cmr_module.group_cmr_user",
    )
    value = fields.Monetary(
        readonly=True, aggregator="sum", groups="cmr_module.group_cmr_user"
    )
    tier_id = fields.Many2one(
        "cmr.tier", readonly=True, index=True, groups="cmr_module.group_cmr_user"
    )
    date = fields.Date(readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Confirmed By",
        readonly=True,
        default=False,
        groups="cmr_module.group_cmr_user",
    )
    state = fields.Selection(
        [("draft", "Proposed"), ("confirmed", "Confirmed"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        index=True,
        tracking=True,
    )
    note = fields.Text(groups="cmr_module.group_cmr_user")

    # ------------------------------------------------------------------
    # Suggestion
    # ------------------------------------------------------------------
    @api.model
    def _exclusion_months(self):
        value = self.env["ir.config_parameter"].sudo().get_param(EXCLUSION_PARAM) or ""
        return int(value) if value.isdigit() else EXCLUSION_DEFAULT

    @api.model
    def _budget(self, partner, day=None):
        """``(budget, tier, spent, left)`` of the customer this year; left is
        None when their tier has no budget."""
        day = day or fields.Date.context_today(self)
        company = self.env.company
        standing = (
            self.env["cmr.partner.tier"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("tier_id", "!=", False),
                ],
                limit=1,
            )
        )
        tier = standing.tier_id
        budget = (
            self.env["cmr.care.budget"].sudo().search([("tier_id", "=", tier.id)])
            if tier
            else self.env["cmr.care.budget"]
        )
        [(spent,)] = self.sudo()._read_group(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("state", "=", "confirmed"),
                ("date", ">=", day.replace(month=1, day=1)),
                ("date", "<=", day.replace(month=12, day=31)),
            ],
            [],
            ["value:sum"],
        )
        spent = spent or 0.0
        left = budget.amount - spent if budget else None
        return budget, tier, spent, left

    @api.model
    def _suggest(self, partner, limit=5, day=None):
        """``[(product, interest, reason)]``, best first (see the module's
        docstring)."""
        day = day or fields.Date.context_today(self)
        budget, __, __, left = self._budget(partner, day)
        since = day - relativedelta(months=self._exclusion_months())
        params = {
            "partner": partner.id,
            "since": since,
            "company": self.env.company.id,
            "budget_left": left,
            "patterns": [],
            "product": 0,
            "limit": limit,
        }
        self.env.flush_all()
        Product = self.env["product.product"]
        Interest = self.env["cmr.interest"]
        rows = []
        if partner.cmr_interest_ids:
            rows = self.env.execute_query(
                SQL(SUGGEST_QUERY, mode="interests", **params)
            )
            reason = "interests"
        preference = partner.cmr_gift_preference or ""
        words = re.findall(r"\w{3,}", preference)[:PREFERENCE_WORDS]
        if not rows and words:
            params["patterns"] = [f"%{word}%" for word in words]
            rows = self.env.execute_query(SQL(SUGGEST_QUERY, mode="words", **params))
            reason = "preference"
        if not rows and budget.default_product_id:
            params["product"] = budget.default_product_id.id
            rows = self.env.execute_query(SQL(SUGGEST_QUERY, mode="product", **params))
            reason = "tier_default"
        return [
            (Product.browse(product_id), Interest.browse(interest_id), reason)
            for product_id, __, interest_id, __ in rows
        ]

    @api.model
    def _propose(self, partner):
        """Propose the best suggestion for ``partner`` (staff confirm it)."""
        suggestions = self._suggest(partner, limit=1)
        if not suggestions:
            raise UserError(
                self.env._(
                    "No gift suits %(customer)s: no interest, gift preference or "
                    "tier default matches a gift in hand within their budget "
                    "that they have not received recently.",
                    customer=partner.display_name,
                )
            )
        product, interest, __ = suggestions[0]
        return self.create(
            {
                "partner_id": partner.id,
                "product_id": product.id,
                "interest_id": interest.id,
            }
        )

    # ------------------------------------------------------------------
    # Confirmation
    # ------------------------------------------------------------------
    def action_confirm(self):
        """Record the gift for good: no repeat within the exclusion window,
        within the tier's budget, one taken from the gifts in hand. The
        customer's and the gift's rows are locked first, so that two
        confirmations at the same moment cannot both pass."""
        self.check_access("write")
        if not self.env.user.has_group("cmr_module.group_cmr_user"):
            raise UserError(self.env._("Only staff confirm gifts."))
        for gift in self:
            if gift.state != "draft":
                raise UserError(self.env._("Only a proposed gift can be confirmed."))
            gift._confirm_one()
        return True

    def _confirm_one(self):
        self.ensure_one()
        env = self.env
        partner, product = self.partner_id, self.product_id
        self.env["cmr.care.visit"]._lock_partners(partner.ids)
        template = product.product_tmpl_id.sudo()
        env.execute_query(
            SQL(
                "SELECT id FROM product_template WHERE id = %s FOR NO KEY UPDATE",
                template.id,
            )
        )
        template.invalidate_recordset(["cmr_gift_qty"])
        today = fields.Date.context_today(self)
        months = self._exclusion_months()
        repeat = self.sudo().search(
            [
                ("partner_id", "=", partner.id),
                ("product_id", "=", product.id),
                ("state", "=", "confirmed"),
                ("date", ">=", today - relativedelta(months=months)),
            ],
            limit=1,
        )
        if repeat:
            raise UserError(
                env._(
                    "%(customer)s already received %(gift)s on %(date)s: a gift "
                    "is not repeated within %(months)s months.",
                    customer=partner.display_name,
                    gift=product.display_name,
                    date=format_date(env, repeat.date),
                    months=months,
                )
            )
        if template.cmr_gift_qty < 1:
            raise UserError(
                env._("No %(gift)s left in hand.", gift=product.display_name)
            )
        value = template.cmr_gift_value
        __, tier, spent, left = self._budget(partner, today)
        if left is not None and value > left:
            raise UserError(
                env._(
                    "%(gift)s (%(value)s) exceeds what is left of %(customer)s's "
                    "gift budget this year: %(left)s of which %(spent)s spent.",
                    gift=product.display_name,
                    value=format_amount(env, value, self.currency_id),
                    customer=partner.display_name,
                    left=format_amount(env, max(left, 0), self.currency_id),
                    spent=format_amount(env, spent, self.currency_id),
                )
            )
        template.write({"cmr_gift_qty": template.cmr_gift_qty - 1})
        self._set_state("confirmed", value=value, tier_id=tier.id, date=today)
        self.sudo().write({"user_id": env.user.id})
        partner.sudo().message_post(
            body=Markup("<p>%s</p>")
            % env._(
                "Gift given: %(gift)s (%(value)s).",
                gift=product.display_name,
                value=format_amount(env, value, self.currency_id),
            ),
            subtype_xmlid="mail.mt_note",
        )

    def action_cancel(self):
        self.check_access("write")
        if any(gift.state != "draft" for gift in self):
            raise UserError(self.env._("A confirmed gift stays on record."))
        self._set_state("cancelled")
        return True
