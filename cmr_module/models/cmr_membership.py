import secrets
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from stdnum import luhn

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

from .cmr_membership_code import CODE_VALID_MINUTES

CARD_LENGTH = 16
# A card PIN: digits only, long enough that the attempt limit below makes
# guessing it hopeless.
PIN_MIN_LENGTH = 6
PIN_MAX_LENGTH = 12
# Wrong codes or PINs in a row, then the card's redemptions wait this long.
PROOF_MAX_FAILURES = 5
PROOF_BLOCK_MINUTES = 60
# The member's portal warns of points expiring within this many days.
EXPIRY_NOTICE_DAYS = 60


def card_number_valid(number):
    """A card number: ``CARD_LENGTH`` ASCII digits, the last one the Luhn
    check digit of the others."""
    return (
        isinstance(number, str)
        and len(number) == CARD_LENGTH
        and number.isascii()
        and number.isdigit()
        and luhn.is_valid(number)
    )


class CmrConsentError(UserError):
    """A redemption refused for a wrong or missing code or PIN. Once the
    refused transaction is undone (the caller's savepoint),
    ``after_rollback()`` counts a wrong code or PIN towards the card's
    attempt limit (a missing one does not count)."""

    def __init__(self, message, membership, wrong_proof=False):
        super().__init__(message)
        self.membership = membership
        self.wrong_proof = wrong_proof

    def after_rollback(self):
        if self.wrong_proof:
            self.membership._consent_failed()


class CmrMembership(models.Model):
    """A customer's membership of an alliance, with its card.

    The points balance is the sum of the card's ledger lines, never stored:
    every change of it is a ledger line (``cmr.points.line``)."""

    _name = "cmr.membership"
    _description = "Alliance Membership"
    _inherit = ["mail.thread", "cmr.input.guard"]
    _order = "alliance_id, card_number"
    _rec_name = "card_number"
    _check_company_auto = True
    _input_text_limits = {"card_number": CARD_LENGTH}

    card_number = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        index=True,
        default=lambda self: self._default_card_number(),
        help=f"{CARD_LENGTH} digits, the last one a Luhn check digit.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Member",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    alliance_id = fields.Many2one(
        "cmr.alliance",
        required=True,
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    alliance_type = fields.Selection(
        related="alliance_id.alliance_type", groups="cmr_module.group_cmr_user"
    )
    company_id = fields.Many2one(
        related="alliance_id.company_id", store=True, index=True, precompute=True
    )
    state = fields.Selection(
        [("active", "Active"), ("suspended", "Suspended"), ("expired", "Expired")],
        required=True,
        default="active",
        tracking=True,
        index=True,
    )
    date_start = fields.Date(
        string="Valid From",
        required=True,
        default=fields.Date.context_today,
        groups="cmr_module.group_cmr_user",
    )
    date_end = fields.Date(
        string="Valid To",
        compute="_compute_date_end",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    line_ids = fields.One2many("cmr.points.line", "membership_id", string="Points")
    balance = fields.Integer(string="Points Balance", compute="_compute_balance")
    # The holder's PIN, hashed like the users' passwords; nobody reads it.
    pin_hash = fields.Char(copy=False, readonly=True, groups="base.group_system")
    has_pin = fields.Boolean(
        string="PIN Set", compute="_compute_has_pin", compute_sudo=True
    )
    proof_failures = fields.Integer(
        string="Wrong Codes or PINs",
        copy=False,
        readonly=True,
        groups="cmr_module.group_cmr_user",
        help="Wrong codes or PINs typed in a row at the merchants' counters.",
    )
    proof_blocked_until = fields.Datetime(
        string="Redemptions Blocked Until",
        copy=False,
        readonly=True,
        groups="cmr_module.group_cmr_user",
        help=f"After {PROOF_MAX_FAILURES} wrong codes or PINs in a row, no "
        f"redemption for {PROOF_BLOCK_MINUTES} minutes.",
    )
    benefit_ids = fields.Many2many(
        "cmr.alliance.benefit",
        string="Benefits",
        compute="_compute_benefit_ids",
        # The member reads their card's benefits (portal, RPC): the tiers a
        # benefit is for are the company's configuration.
        compute_sudo=True,
        help="The alliance's benefits this member's customer tier entitles to.",
    )

    _sql_constraints = [
        ("card_number_unique", "UNIQUE(card_number)", "A card number is unique."),
        (
            "partner_alliance_unique",
            "UNIQUE(partner_id, alliance_id)",
            "A customer holds one card per alliance.",
        ),
        (
            "dates_ordered",
            "CHECK(date_end IS NULL OR date_end >= date_start)",
            "A card cannot expire before it becomes valid.",
        ),
    ]

    def write(self, vals):
        # The ledger's lines name the card's holder, alliance and number:
        # once a card has lines, those stay (issue a new card instead).
        frozen = {"partner_id", "alliance_id", "card_number"}.intersection(vals)
        if frozen and self.line_ids:
            raise UserError(
                self.env._(
                    "A card with points history keeps its holder, alliance and "
                    "number: suspend it and issue a new card instead."
                )
            )
        return super().write(vals)

    @api.model
    def _default_card_number(self):
        """The issuer prefix of the card sequence, then random digits: card
        numbers cannot be guessed from one another (a merchant types them)."""
        sequence = self.env.ref(
            "cmr_module.seq_cmr_membership_card", raise_if_not_found=False
        )
        prefix = (sequence and sequence.prefix) or "8860"
        random_length = CARD_LENGTH - 1 - len(prefix)
        for _attempt in range(10):
            body = prefix + str(secrets.randbelow(10**random_length)).rjust(
                random_length, "0"
            )
            number = self._card_number(body)
            if (
                not self.sudo()
                .with_context(active_test=False)
                .search_count([("card_number", "=", number)], limit=1)
            ):
                return number
        raise UserError(self.env._("No free card number was found: try again."))

    @api.model
    def _card_number(self, body):
        body = body.rjust(CARD_LENGTH - 1, "0")[-(CARD_LENGTH - 1) :]
        return body + luhn.calc_check_digit(body)

    @api.depends("alliance_id.benefit_ids.tier_ids", "partner_id")
    @api.depends_context("company")
    def _compute_benefit_ids(self):
        for membership in self:
            membership.benefit_ids = membership.alliance_id.benefit_ids._for_partner(
                membership.partner_id
            )

    @api.depends("date_start", "alliance_id.card_validity_months")
    def _compute_date_end(self):
        for membership in self:
            months = membership.alliance_id.card_validity_months
            if membership.date_start and months and not membership.date_end:
                membership.date_end = membership.date_start + relativedelta(
                    months=months, days=-1
                )

    def _compute_has_pin(self):
        for membership in self:
            membership.has_pin = bool(membership.pin_hash)

    def _compute_balance(self):
        balances = self._balances()
        for membership in self:
            membership.balance = balances.get(membership.id, 0)

    @api.constrains("card_number")
    def _check_card_number(self):
        for membership in self:
            if not card_number_valid(membership.card_number):
                raise ValidationError(
                    self.env._(
                        "%(number)s is not a valid card number.",
                        number=membership.card_number,
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_suspend(self):
        self.write({"state": "suspended"})

    def action_reactivate(self):
        today = fields.Date.context_today(self)
        for membership in self:
            if membership.date_end and membership.date_end < today:
                raise UserError(
                    self.env._(
                        "Card %(number)s has expired: renew it instead.",
                        number=membership.card_number,
                    )
                )
        self.write({"state": "active"})

    def action_renew(self):
        """Extend each card by its alliance's validity, from today or from the
        end of the current validity, whichever is later."""
        today = fields.Date.context_today(self)
        for membership in self:
            months = membership.alliance_id.card_validity_months or 12
            start = max(membership.date_end or today, today)
            membership.write(
                {
                    "date_end": start + relativedelta(months=months),
                    "state": "active"
                    if membership.state == "expired"
                    else membership.state,
                }
            )

    def action_view_points(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_points_line_action"
        )
        action["domain"] = [("membership_id", "=", self.id)]
        action["context"] = {"default_membership_id": self.id}
        return action

    # ------------------------------------------------------------------
    # Cards and balances
    # ------------------------------------------------------------------

    @api.model
    def _find_card(self, card_number, alliances):
        """The usable card with this number in ``alliances``; clear errors for
        mistyped, unknown, suspended or expired cards. Searches as superuser
        within the given alliances only."""
        number = (card_number or "").replace(" ", "").replace("-", "")
        if not card_number_valid(number):
            raise UserError(
                self.env._(
                    "Mistyped card number: a card number has %(length)s digits and "
                    "its last digit must match the others.",
                    length=CARD_LENGTH,
                )
            )
        membership = self.sudo().search(
            [("card_number", "=", number), ("alliance_id", "in", alliances.ids)],
            limit=1,
        )
        if not membership:
            raise UserError(
                self.env._("Unknown card number %(number)s.", number=number)
            )
        membership._check_usable()
        return membership

    def _check_usable(self, day=None):
        day = day or fields.Date.context_today(self)
        for membership in self:
            if membership.state == "suspended":
                raise UserError(
                    self.env._(
                        "Card %(number)s is suspended.", number=membership.card_number
                    )
                )
            if (
                membership.state == "expired"
                or (membership.date_end and membership.date_end < day)
                or membership.date_start > day
            ):
                raise UserError(
                    self.env._(
                        "Card %(number)s is not valid on %(day)s.",
                        number=membership.card_number,
                        day=day,
                    )
                )

    def _balances(self):
        """{membership id: balance} in one query."""
        if not self.ids:
            return {}
        self.env["cmr.points.line"].flush_model(["membership_id", "points"])
        return dict(
            self.env.execute_query(
                SQL(
                    """
            SELECT membership_id, SUM(points)
              FROM cmr_points_line
             WHERE membership_id = ANY(%s)
          GROUP BY membership_id
                    """,
                    list(self.ids),
                )
            )
        )

    def _lock(self, skip_locked=False):
        """Lock the cards' rows until the end of the transaction: two
        movements of one card never interleave.

        The rows are also rewritten (same values): Odoo runs transactions in
        REPEATABLE READ, where a transaction that waited for the lock still
        reads its older snapshot. Because the row was updated, PostgreSQL
        refuses the waiting transaction (serialization failure) and Odoo
        retries the request, which then sees the first movement.

        With ``skip_locked`` (scheduled actions), cards another transaction
        holds are left out. Returns the cards locked."""
        if not self.ids:
            return self
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM cmr_membership WHERE id = ANY(%s) "
                "ORDER BY id FOR UPDATE %s",
                list(self.ids),
                SQL("SKIP LOCKED") if skip_locked else SQL(),
            )
        )
        locked = [row[0] for row in rows]
        if locked:
            self.env.execute_query(
                SQL(
                    "UPDATE cmr_membership SET write_date = write_date "
                    "WHERE id = ANY(%s)",
                    locked,
                )
            )
        return self.browse(locked)

    def _earn(self, points, agreement=None, amount=0.0, product=None, reference=None):
        self.ensure_one()
        if points <= 0:
            raise UserError(self.env._("Earned points must be positive."))
        self._check_usable()
        return (
            self.env["cmr.points.line"]
            .sudo()
            .create(
                {
                    "membership_id": self.id,
                    "kind": "earn",
                    "points": points,
                    "agreement_id": agreement.id if agreement else False,
                    "amount": amount,
                    "product_id": product.id if product else False,
                    "reference": reference,
                }
            )
        )

    def _redeem(self, points, agreement=None, product=None, reference=None):
        """Spend ``points`` of the card, oldest first. The card's row is
        locked first: a concurrent movement of the card waits, is refused
        with a serialization failure and retried (see ``_lock``)."""
        self.ensure_one()
        if not isinstance(points, int) or points <= 0:
            raise UserError(
                self.env._("Redeemed points must be a positive whole number.")
            )
        self._check_usable()
        self._lock()
        self._expire()
        balance = self._balances().get(self.id, 0)
        if points > balance:
            # The balance is not told: a merchant types card numbers.
            raise UserError(
                self.env._(
                    "Card %(number)s does not have %(points)s points to redeem.",
                    number=self.card_number,
                    points=points,
                )
            )
        value = agreement.redeem_rate * points if agreement else 0.0
        return (
            self.env["cmr.points.line"]
            .sudo()
            ._consume(
                self,
                points,
                {
                    "kind": "redeem",
                    "agreement_id": agreement.id if agreement else False,
                    "amount": value,
                    "product_id": product.id if product else False,
                    "reference": reference,
                },
            )
        )

    def _adjust(self, points, reason):
        """A manager's correction, positive or negative, with its reason."""
        self.ensure_one()
        if not (reason or "").strip():
            raise UserError(self.env._("An adjustment needs a reason."))
        if not points:
            raise UserError(self.env._("An adjustment cannot be zero points."))
        Line = self.env["cmr.points.line"].sudo()
        if points > 0:
            return Line.create(
                {
                    "membership_id": self.id,
                    "kind": "adjust",
                    "points": points,
                    "reason": reason,
                }
            )
        self._lock()
        self._expire()
        balance = self._balances().get(self.id, 0)
        if -points > balance:
            raise UserError(
                self.env._(
                    "Card %(number)s has %(balance)s points: %(points)s cannot be "
                    "taken off.",
                    number=self.card_number,
                    balance=balance,
                    points=-points,
                )
            )
        return Line._consume(self, -points, {"kind": "adjust", "reason": reason})

    def _expire(self, day=None):
        """Expire the points of these cards that are older than their
        alliance allows (callers hold the cards' lock)."""
        return (
            self.env["cmr.points.line"]
            .sudo()
            ._expire_points(day or fields.Date.context_today(self), self.ids)
        )

    # ------------------------------------------------------------------
    # Holder's consent to a redemption: one-time code or card PIN
    # ------------------------------------------------------------------

    def _set_pin(self, pin, confirmation=None):
        """Set the card's PIN (the holder, from the portal). Clears the
        wrong-attempt count: the holder has just proved who they are."""
        self.ensure_one()
        pin = pin or ""
        if not (
            pin.isascii()
            and pin.isdigit()
            and PIN_MIN_LENGTH <= len(pin) <= PIN_MAX_LENGTH
        ):
            raise UserError(
                self.env._(
                    "A PIN is %(low)s to %(high)s digits.",
                    low=PIN_MIN_LENGTH,
                    high=PIN_MAX_LENGTH,
                )
            )
        if confirmation is not None and confirmation != pin:
            raise UserError(self.env._("The two PINs differ: type the same twice."))
        self._lock()
        self.sudo().write(
            {
                "pin_hash": self.env["res.users"]._crypt_context().hash(pin),
                "proof_failures": 0,
                "proof_blocked_until": False,
            }
        )

    def _pin_matches(self, pin):
        self.ensure_one()
        pin_hash = self.sudo().pin_hash
        if not pin_hash or not (pin.isascii() and pin.isdigit()):
            return False
        if len(pin) > PIN_MAX_LENGTH:
            return False
        return self.env["res.users"]._crypt_context().verify(pin, pin_hash)

    def _check_consent(self, proof):
        """Raise unless ``proof`` is an open one-time code of the card or its
        PIN, as the alliance asks. A code is used up here. The card is
        locked: its attempt count and codes are read, then written."""
        self.ensure_one()
        mode = self.alliance_id.redeem_check
        if mode == "none":
            return
        self._lock()
        card = self.sudo()
        now = fields.Datetime.now()
        if card.proof_blocked_until and card.proof_blocked_until > now:
            raise UserError(
                self.env._(
                    "Too many wrong codes or PINs for card %(number)s: redemptions "
                    "are blocked for now. The holder can set a new PIN in their "
                    "portal.",
                    number=card.card_number,
                )
            )
        proof = (proof or "").strip()
        if proof and (
            (mode == "code" and self.env["cmr.membership.code"]._consume(card, proof))
            or card._pin_matches(proof)
        ):
            if card.proof_failures:
                card.write({"proof_failures": 0})
            return
        if not proof:
            message = (
                self.env._(
                    "Ask the holder of card %(number)s for the code you sent them "
                    "or for their card PIN.",
                    number=card.card_number,
                )
                if mode == "code"
                else self.env._(
                    "Ask the holder of card %(number)s for their card PIN.",
                    number=card.card_number,
                )
            )
        else:
            message = self.env._(
                "Wrong, expired or already used code or PIN for card %(number)s: "
                "nothing was redeemed.",
                number=card.card_number,
            )
        raise CmrConsentError(message, card, wrong_proof=bool(proof))

    def _consent_failed(self):
        """Count a wrong code or PIN (after the refused redemption was undone);
        the last allowed one blocks the card's redemptions for a while."""
        self.ensure_one()
        self._lock()
        card = self.sudo()
        failures = card.proof_failures + 1
        if failures >= PROOF_MAX_FAILURES:
            card.write(
                {
                    "proof_failures": 0,
                    "proof_blocked_until": fields.Datetime.now()
                    + timedelta(minutes=PROOF_BLOCK_MINUTES),
                }
            )
        else:
            card.write({"proof_failures": failures})

    def _send_code(self, agreement):
        """E-mail the holder a one-time code for a redemption at
        ``agreement``'s merchant. The holder asked for it at the counter, so
        the contact gate may not hold it back for windows, quiet days or
        caps (like a complaint's answer); it is logged with their contacts,
        without the code."""
        self.ensure_one()
        if self.alliance_id.redeem_check != "code":
            raise UserError(
                self.env._(
                    "%(alliance)s asks for the card PIN, not for a code.",
                    alliance=self.alliance_id.display_name,
                )
            )
        holder = self.partner_id.sudo()
        if not holder.email:
            # The address is not told: a merchant types card numbers.
            raise UserError(
                self.env._(
                    "The holder of card %(number)s has no e-mail address: ask for "
                    "their card PIN.",
                    number=self.card_number,
                )
            )
        self._lock()
        code = self.env["cmr.membership.code"]._issue(self, agreement)
        holder_env = self.with_context(lang=holder.lang).env
        subject = holder_env._(
            "Your code to redeem points of card %(number)s",
            number=self.card_number,
        )
        self.env["mail.mail"].sudo().create(
            {
                "subject": subject,
                "body_html": Markup("<p>%s</p><p>%s</p>")
                % (
                    holder_env._(
                        "%(merchant)s asks to redeem points of your card %(number)s. "
                        "Your code: %(code)s, valid %(minutes)s minutes.",
                        merchant=agreement.partner_id.name,
                        number=self.card_number,
                        code=code,
                        minutes=CODE_VALID_MINUTES,
                    ),
                    holder_env._(
                        "Give it to the cashier only if you are redeeming points "
                        "there now."
                    ),
                ),
                "email_to": holder.email_formatted,
                "recipient_ids": [fields.Command.link(holder.id)],
                "auto_delete": True,
            }
        ).send()
        channel = self.env.ref("cmr_module.cmr_channel_email", raise_if_not_found=False)
        if channel:
            self.env["cmr.contact"].sudo().create(
                {
                    "partner_id": holder.id,
                    "company_id": self.company_id.id,
                    "channel_id": channel.id,
                    "subject": subject,
                    "body": holder_env._(
                        "A one-time code for a redemption at %(merchant)s.",
                        merchant=agreement.partner_id.name,
                    ),
                    "state": "sent",
                    "user_id": self.env.user.id,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------

    def _portal_values(self):
        """What the member's portal shows of these cards (which the portal
        user has already been allowed to read): balance, points expiring
        soon and the merchants where each card is accepted today."""
        today = fields.Date.context_today(self)
        balances = self._balances()
        soon = today + relativedelta(days=EXPIRY_NOTICE_DAYS)
        expiring = {}
        for _line, membership_id, left, expires_on in (
            self.env["cmr.points.line"].sudo()._open_earnings(self.ids)
        ):
            if expires_on and expires_on <= soon:
                points, first = expiring.get(membership_id, (0, expires_on))
                expiring[membership_id] = (points + left, min(first, expires_on))
        agreements = (
            self.env["cmr.alliance.merchant"]
            .sudo()
            .search(
                [
                    ("alliance_id", "in", self.alliance_id.ids),
                    ("date_start", "<=", today),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", today),
                ]
            )
        )
        cards = []
        for membership in self:
            points, first = expiring.get(membership.id, (0, False))
            cards.append(
                {
                    "membership": membership,
                    "balance": balances.get(membership.id, 0),
                    "expiring_points": points,
                    "expiring_text": points
                    and self.env._(
                        "%(points)s points expire from %(date)s: use them first.",
                        points=points,
                        date=format_date(self.env, first),
                    ),
                    "valid_until_text": membership.date_end
                    and self.env._(
                        "valid until %(date)s",
                        date=format_date(self.env, membership.date_end),
                    ),
                    "merchants": [
                        {
                            "name": agreement.partner_id.name,
                            "city": agreement.partner_id.city or "",
                            "services": ", ".join(agreement.service_ids.mapped("name")),
                        }
                        for agreement in agreements
                        if agreement.alliance_id == membership.alliance_id
                    ],
                }
            )
        return cards

    # ------------------------------------------------------------------
    # KPI
    # ------------------------------------------------------------------

    @api.model
    def _activity_stats(self, group, ids, days_by_id):
        """{group id: (members, active members)} for alliances (``group`` =
        ``alliance_id``) or merchant agreements (``agreement_id``): active
        members have a ledger line (there) in the group's activity window."""
        if not ids:
            return {}
        self.env["cmr.points.line"].flush_model()
        self.flush_model(["alliance_id", "state"])
        now = fields.Datetime.now()
        windows = [
            (gid, now - relativedelta(days=days)) for gid, days in days_by_id.items()
        ]
        column = SQL.identifier(
            "alliance_id" if group == "alliance_id" else "agreement_id"
        )
        rows = self.env.execute_query(
            SQL(
                """
            WITH w(gid, since) AS (SELECT * FROM unnest(%s::int[], %s::timestamp[]))
            SELECT w.gid,
                   (SELECT COUNT(*) FROM cmr_membership m
                     WHERE m.alliance_id = w.gid AND m.state = 'active'),
                   (SELECT COUNT(DISTINCT l.membership_id) FROM cmr_points_line l
                      JOIN cmr_membership lm
                        ON lm.id = l.membership_id AND lm.state = 'active'
                     WHERE l.%s = w.gid AND l.date >= w.since
                       AND l.kind IN ('earn', 'redeem'))
              FROM w
                """,
                [gid for gid, _ in windows],
                [since for _, since in windows],
                column,
            )
        )
        return {gid: (members, active) for gid, members, active in rows}

    # ------------------------------------------------------------------
    # Expiry (run by the points expiry's scheduled action)
    # ------------------------------------------------------------------

    @api.model
    def _expire_cards(self):
        today = fields.Date.context_today(self)
        self.search([("state", "!=", "expired"), ("date_end", "<", today)]).write(
            {"state": "expired"}
        )
