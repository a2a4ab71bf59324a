from odoo import api, fields, models

from .cmr_input_guard import LONG_TEXT_MAX, NAME_MAX

# Bounds of the alliance's policy numbers (in the fields' help too).
EARN_RATE_MAX = 1000
VALIDITY_DAYS_MAX = 36500
VALIDITY_MONTHS_MAX = 1200


class CmrAlliance(models.Model):
    """A membership alliance: a merchant coalition, a customer club or a
    big-customer alliance, with its rules, benefits and point policy."""

    _name = "cmr.alliance"
    _description = "Membership Alliance"
    _inherit = ["mail.thread", "cmr.input.guard"]
    _order = "sequence, name, id"
    _check_company_auto = True
    _input_text_limits = {"name": NAME_MAX, "rules": LONG_TEXT_MAX}
    _input_number_ranges = {
        "earn_rate": (0, EARN_RATE_MAX),
        "points_validity_days": (0, VALIDITY_DAYS_MAX),
        "card_validity_months": (0, VALIDITY_MONTHS_MAX),
        "activity_days": (1, VALIDITY_DAYS_MAX),
    }

    name = fields.Char(
        required=True,
        translate=True,
        tracking=True,
        help=f"At most {NAME_MAX} characters.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    alliance_type = fields.Selection(
        [
            ("merchant", "Merchant Coalition"),
            ("club", "Customer Club"),
            ("big_customer", "Big-Customer Alliance"),
        ],
        string="Type",
        required=True,
        default="merchant",
        tracking=True,
        groups="cmr_module.group_cmr_user",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_start = fields.Date(
        string="Valid From", tracking=True, groups="cmr_module.group_cmr_user"
    )
    date_end = fields.Date(
        string="Valid To", tracking=True, groups="cmr_module.group_cmr_user"
    )
    rules = fields.Html(
        translate=True,
        help=f"The alliance's rules, as members read them (at most "
        f"{LONG_TEXT_MAX} characters).",
    )
    benefit_ids = fields.One2many(
        "cmr.alliance.benefit", "alliance_id", string="Benefits"
    )
    merchant_ids = fields.One2many(
        "cmr.alliance.merchant",
        "alliance_id",
        string="Merchant Agreements",
        groups="cmr_module.group_cmr_user",
    )
    membership_ids = fields.One2many(
        "cmr.membership",
        "alliance_id",
        string="Memberships",
        groups="cmr_module.group_cmr_user",
    )
    earn_source = fields.Selection(
        [
            ("none", "Merchants Only"),
            ("invoice", "Paid Invoices"),
            ("order", "Confirmed Sales Orders"),
        ],
        string="Company Earnings",
        required=True,
        default="invoice",
        help="Which of the company's own documents earn points for members, "
        "besides purchases at merchants.",
        groups="cmr_module.group_cmr_user",
    )
    earn_rate = fields.Float(
        string="Points per Currency Unit",
        digits=(16, 4),
        default=1.0,
        help="Points a member earns per unit of the company's currency spent "
        f"with the company (0 to {EARN_RATE_MAX}).",
        groups="cmr_module.group_cmr_user",
    )
    redeem_check = fields.Selection(
        [
            ("code", "One-Time Code or Card PIN"),
            ("pin", "Card PIN"),
            ("none", "Nothing"),
        ],
        string="Holder's Consent to Redeem",
        required=True,
        default="code",
        tracking=True,
        help="What a merchant's counter asks before redeeming a member's points: "
        "a one-time code e-mailed to the holder when the merchant asks for it "
        "(holders without an e-mail address give their card PIN), the card PIN "
        "the holder set in their portal, or nothing.",
        groups="cmr_module.group_cmr_user",
    )
    points_validity_days = fields.Integer(
        string="Points Valid (Days)",
        default=365,
        help="Earned points expire this many days after they were earned, oldest "
        f"first. Zero: points never expire. At most {VALIDITY_DAYS_MAX}.",
        groups="cmr_module.group_cmr_user",
    )
    card_validity_months = fields.Integer(
        string="Card Validity (Months)",
        default=12,
        help="Validity of a new card and of each renewal (at most "
        f"{VALIDITY_MONTHS_MAX} months).",
        groups="cmr_module.group_cmr_user",
    )
    activity_days = fields.Integer(
        string="Activity Window (Days)",
        default=90,
        help="A member is active when they have a transaction in this many last "
        f"days (1 to {VALIDITY_DAYS_MAX}).",
        groups="cmr_module.group_cmr_user",
    )
    # KPIs: for staff (merchants and members read the alliance too).
    member_count = fields.Integer(
        compute="_compute_member_stats", groups="cmr_module.group_cmr_user"
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
    merchant_count = fields.Integer(
        string="Agreements",
        compute="_compute_merchant_count",
        groups="cmr_module.group_cmr_user",
    )

    _sql_constraints = [
        (
            "earn_rate_positive",
            "CHECK(earn_rate >= 0)",
            "The points per currency unit cannot be negative.",
        ),
        (
            "validity_positive",
            "CHECK(points_validity_days >= 0 AND card_validity_months >= 0 "
            "AND activity_days > 0)",
            "Validity periods cannot be negative and the activity window must "
            "be at least one day.",
        ),
        (
            "dates_ordered",
            "CHECK(date_end IS NULL OR date_start IS NULL OR date_end >= date_start)",
            "The alliance cannot end before it starts.",
        ),
    ]

    @api.depends("activity_days")
    def _compute_member_stats(self):
        stats = self.env["cmr.membership"]._activity_stats(
            "alliance_id", self.ids, {a.id: a.activity_days for a in self}
        )
        for alliance in self:
            members, active = stats.get(alliance.id, (0, 0))
            alliance.member_count = members
            alliance.active_member_count = active
            alliance.activity_rate = 100.0 * active / members if members else 0.0

    def _compute_merchant_count(self):
        counts = dict(
            self.env["cmr.alliance.merchant"]._read_group(
                [("alliance_id", "in", self.ids)], ["alliance_id"], ["__count"]
            )
        )
        for alliance in self:
            alliance.merchant_count = counts.get(alliance, 0)

    def action_view_memberships(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_membership_action"
        )
        action["domain"] = [("alliance_id", "=", self.id)]
        action["context"] = {"default_alliance_id": self.id}
        return action

    def action_view_agreements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_alliance_merchant_action"
        )
        action["domain"] = [("alliance_id", "=", self.id)]
        action["context"] = {"default_alliance_id": self.id}
        return action
