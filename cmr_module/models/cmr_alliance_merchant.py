import math

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .cmr_alliance import EARN_RATE_MAX
from .cmr_input_guard import AMOUNT_MAX
from .cmr_points_ledger_mixin import POINTS_MAX

# Money per point (value when redeemed, settlement): a point worth more than
# this is a typing error.
POINT_VALUE_MAX = 100


class CmrMerchantAgreement(models.Model):
    """A merchant's agreement with an alliance: when it accepts the cards,
    for which services, how many points a purchase earns, what a point is
    worth when redeemed and the rate at which points are settled."""

    _name = "cmr.alliance.merchant"
    _description = "Merchant Agreement"
    _inherit = ["mail.thread", "cmr.input.guard"]
    _order = "alliance_id, partner_id, date_start desc, id"
    _check_company_auto = True
    _input_number_ranges = {
        "earn_rate": (0, EARN_RATE_MAX),
        "redeem_rate": (0, POINT_VALUE_MAX),
        "settlement_rate": (0, POINT_VALUE_MAX),
    }

    alliance_id = fields.Many2one(
        "cmr.alliance",
        required=True,
        ondelete="restrict",
        index=True,
        check_company=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Merchant",
        required=True,
        ondelete="restrict",
        index=True,
        domain=[("is_company", "=", True)],
        tracking=True,
    )
    company_id = fields.Many2one(
        related="alliance_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True)
    date_start = fields.Date(
        string="Start", required=True, default=fields.Date.context_today, tracking=True
    )
    date_end = fields.Date(string="End", tracking=True)
    service_ids = fields.Many2many(
        "product.product",
        string="Accepted Services",
        help="What members can buy or redeem points for at this merchant.",
    )
    earn_rate = fields.Float(
        string="Points per Currency Unit",
        digits=(16, 4),
        default=1.0,
        tracking=True,
        help="Points a member earns per unit of currency spent at the merchant "
        f"(0 to {EARN_RATE_MAX}).",
    )
    redeem_rate = fields.Float(
        string="Value of a Point",
        digits=(16, 4),
        default=0.01,
        tracking=True,
        help="Discount, in currency, a member gets for each point redeemed at the "
        f"merchant (0 to {POINT_VALUE_MAX}).",
    )
    settlement_rate = fields.Float(
        string="Settlement per Point",
        digits=(16, 4),
        default=0.01,
        tracking=True,
        help="Money per point in the periodic settlement: the merchant pays it for "
        "each point its customers earned there, the company pays it for each point "
        f"redeemed there (0 to {POINT_VALUE_MAX}).",
    )
    line_ids = fields.One2many(
        "cmr.points.line",
        "agreement_id",
        string="Transactions",
        groups="cmr_module.group_cmr_user",
    )
    settlement_ids = fields.One2many(
        "cmr.settlement",
        "agreement_id",
        string="Statements",
        groups="cmr_module.group_cmr_user",
    )
    active_member_count = fields.Integer(
        string="Active Members",
        compute="_compute_member_stats",
        groups="cmr_module.group_cmr_user",
    )
    activity_rate = fields.Float(
        string="Activity Rate (%)",
        compute="_compute_member_stats",
        digits=(16, 1),
        groups="cmr_module.group_cmr_user",
    )

    _sql_constraints = [
        (
            "rates_positive",
            "CHECK(earn_rate >= 0 AND redeem_rate >= 0 AND settlement_rate >= 0)",
            "Rates cannot be negative.",
        ),
        (
            "dates_ordered",
            "CHECK(date_end IS NULL OR date_end >= date_start)",
            "An agreement cannot end before it starts.",
        ),
    ]

    @api.depends("alliance_id.activity_days")
    def _compute_member_stats(self):
        stats = self.env["cmr.membership"]._activity_stats(
            "agreement_id", self.ids, {a.id: a.alliance_id.activity_days for a in self}
        )
        for agreement in self:
            members = agreement.alliance_id.member_count
            active = stats.get(agreement.id, (0, 0))[1]
            agreement.active_member_count = active
            agreement.activity_rate = 100.0 * active / members if members else 0.0

    @api.depends("partner_id", "alliance_id")
    def _compute_display_name(self):
        for agreement in self:
            agreement.display_name = " / ".join(
                (agreement.partner_id.name or "", agreement.alliance_id.name or "")
            )

    @api.constrains("partner_id", "alliance_id", "date_start", "date_end")
    def _check_no_overlap(self):
        for agreement in self:
            overlapping = self.search_count(
                [
                    ("id", "!=", agreement.id),
                    ("partner_id", "=", agreement.partner_id.id),
                    ("alliance_id", "=", agreement.alliance_id.id),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", agreement.date_start),
                ]
                + (
                    [("date_start", "<=", agreement.date_end)]
                    if agreement.date_end
                    else []
                ),
                limit=1,
            )
            if overlapping:
                raise ValidationError(
                    self.env._(
                        "%(merchant)s already has an agreement with %(alliance)s "
                        "for these dates.",
                        merchant=agreement.partner_id.display_name,
                        alliance=agreement.alliance_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _check_valid(self, day=None):
        """Raise when the agreement does not cover the day."""
        self.ensure_one()
        day = day or fields.Date.context_today(self)
        alliance = self.alliance_id
        if (
            not self.active
            or day < self.date_start
            or (self.date_end and day > self.date_end)
            # The alliance itself must run that day too.
            or not alliance.active
            or (alliance.date_start and day < alliance.date_start)
            or (alliance.date_end and day > alliance.date_end)
        ):
            raise UserError(
                self.env._(
                    "%(merchant)s has no agreement with %(alliance)s valid on %(day)s.",
                    merchant=self.partner_id.display_name,
                    alliance=self.alliance_id.display_name,
                    day=day,
                )
            )

    def _check_service(self, product):
        self.ensure_one()
        if product and self.service_ids and product not in self.service_ids:
            raise UserError(
                self.env._(
                    "%(merchant)s does not accept the cards for %(service)s.",
                    merchant=self.partner_id.display_name,
                    service=product.display_name,
                )
            )

    def _record_purchase(self, card_number, amount, product=None, reference=None):
        """A member bought for ``amount`` at the merchant: earn points."""
        self.ensure_one()
        if amount is None or not math.isfinite(amount) or amount <= 0:
            raise UserError(self.env._("The purchase amount must be positive."))
        if amount > AMOUNT_MAX:
            raise ValidationError(
                self.env._(
                    "A purchase is at most %(max)s: check the amount.", max=AMOUNT_MAX
                )
            )
        membership = self.env["cmr.membership"]._find_card(
            card_number, self.alliance_id
        )
        self._check_valid()
        self._check_service(product)
        points = math.floor(amount * self.earn_rate + 1e-9)
        if points <= 0:
            raise UserError(
                self.env._("A purchase of %(amount)s earns no points.", amount=amount)
            )
        return membership._earn(
            points,
            agreement=self,
            amount=amount,
            product=product,
            reference=reference,
        )

    def _record_redemption(
        self, card_number, points, product=None, reference=None, proof=None
    ):
        """A member pays ``points`` at the merchant, with the holder's
        one-time code or card PIN (``proof``) when the alliance asks for it."""
        self.ensure_one()
        if isinstance(points, int) and points > POINTS_MAX:
            raise ValidationError(
                self.env._("A redemption is at most %(max)s points.", max=POINTS_MAX)
            )
        membership = self.env["cmr.membership"]._find_card(
            card_number, self.alliance_id
        )
        self._check_valid()
        self._check_service(product)
        membership._check_consent(proof)
        return membership._redeem(
            points, agreement=self, product=product, reference=reference
        )

    @api.model
    def _portal_agreements(self, partner):
        """Agreements a merchant's portal user works under (sudo, pinned to the
        user's commercial partner)."""
        return self.sudo().search(
            [("partner_id", "=", partner.commercial_partner_id.id)]
        )

    @api.model
    def _portal_agreement(self, partner, card_number):
        """The card and the agreement under which a portal merchant serves
        it today."""
        agreements = self._portal_agreements(partner)
        if not agreements:
            raise UserError(self.env._("You are not a merchant of any alliance."))
        membership = self.env["cmr.membership"]._find_card(
            card_number, agreements.alliance_id
        )
        today = fields.Date.context_today(self)
        agreement = agreements.filtered(
            lambda a: (
                a.alliance_id == membership.alliance_id
                and a.date_start <= today
                and (not a.date_end or a.date_end >= today)
            )
        )[:1]
        if not agreement:
            agreement = agreements.filtered(
                lambda a: a.alliance_id == membership.alliance_id
            )[:1]
            agreement._check_valid(today)
        return membership, agreement

    @api.model
    def _portal_record(self, partner, values):
        """Record a portal merchant's transaction; returns the ledger line.
        ``partner`` is the logged-in user's partner, never one from the
        request; ``values`` come parsed by the controller's form
        (``counter_form_validate``): ``card_number``, ``kind`` (``purchase``
        or ``redeem``), ``quantity`` (a positive amount, or whole points),
        ``service_id`` (an id or None), ``reference`` and ``proof`` (the
        holder's code or PIN).

        The caller undoes a refused transaction (savepoint); a wrong code or
        PIN raises ``CmrConsentError``, whose ``after_rollback()`` then counts
        it towards the card's attempt limit."""
        membership, agreement = self._portal_agreement(partner, values["card_number"])
        product = self.env["product.product"]
        if values.get("service_id"):
            product = agreement.service_ids.filtered(
                lambda p: p.id == values["service_id"]
            )
            if not product:
                raise UserError(self.env._("Choose one of the accepted services."))
        if values["kind"] == "purchase":
            return agreement._record_purchase(
                membership.card_number,
                values["quantity"],
                product,
                values.get("reference"),
            )
        return agreement._record_redemption(
            membership.card_number,
            values["quantity"],
            product,
            values.get("reference"),
            proof=values.get("proof"),
        )

    @api.model
    def _portal_send_code(self, partner, card_number):
        """A portal merchant asks for a one-time code for the card's holder."""
        membership, agreement = self._portal_agreement(partner, card_number)
        membership._send_code(agreement)
        return membership
