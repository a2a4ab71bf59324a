import logging
import math

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.sql import audit_values, related_columns
from .cmr_input_guard import AMOUNT_MAX, NAME_MAX
from .cmr_points_ledger_mixin import POINTS_MAX

_logger = logging.getLogger(__name__)

# Cards whose old points the scheduled expiry handles per transaction.
EXPIRY_BATCH = 20000
# Earnings the hourly run writes per transaction.
EARN_BATCH = 5000

KINDS = [
    ("earn", "Earn"),
    ("redeem", "Redeem"),
    ("expire", "Expire"),
    ("adjust", "Adjustment"),
]


class CmrPointsLine(models.Model):
    """Append-only points ledger of the alliance cards.

    A card's balance is the sum of its lines. Positive lines (earnings,
    positive adjustments) are consumed oldest first by negative lines
    (redemptions, expiries, negative adjustments); each consumption is an
    append-only ``cmr.points.allocation``, so what is left of an earning is
    its points minus its allocations and no line is ever rewritten."""

    _name = "cmr.points.line"
    _inherit = ["cmr.points.ledger.mixin", "cmr.input.guard"]
    _description = "Points Ledger Line"
    _order = "date desc, id desc"
    _rec_name = "reference"
    _check_company_auto = True
    _input_text_limits = {"reference": NAME_MAX, "reason": NAME_MAX}
    _input_number_ranges = {
        "points": (-POINTS_MAX, POINTS_MAX),
        "amount": (0, AMOUNT_MAX),
    }

    membership_id = fields.Many2one(
        "cmr.membership",
        string="Card",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
        aggregator="count_distinct",
    )
    partner_id = fields.Many2one(
        related="membership_id.partner_id",
        store=True,
        index=True,
        string="Member",
        groups="cmr_module.group_cmr_user",
    )
    alliance_id = fields.Many2one(
        related="membership_id.alliance_id",
        store=True,
        index=True,
        groups="cmr_module.group_cmr_user",
    )
    company_id = fields.Many2one(
        related="membership_id.company_id", store=True, index=True
    )
    card_number = fields.Char(related="membership_id.card_number")
    member_name = fields.Char(
        related="membership_id.partner_id.name", string="Member Name"
    )
    agreement_id = fields.Many2one(
        "cmr.alliance.merchant",
        string="Merchant Agreement",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
        groups="cmr_module.group_cmr_user",
    )
    merchant_id = fields.Many2one(
        related="agreement_id.partner_id",
        store=True,
        index="btree_not_null",
        string="Merchant",
    )
    kind = fields.Selection(KINDS, required=True, readonly=True)
    points = fields.Integer(
        required=True,
        readonly=True,
        aggregator="sum",
        help=f"At most {POINTS_MAX} either way.",
    )
    date = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now, index=True
    )
    expires_on = fields.Date(
        compute="_compute_expires_on",
        store=True,
        precompute=True,
        readonly=True,
        groups="cmr_module.group_cmr_user",
    )
    amount = fields.Monetary(
        readonly=True,
        help="Purchase amount for earnings, discount given for redemptions "
        f"(at most {AMOUNT_MAX}).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(
        "product.product",
        string="Service",
        readonly=True,
        ondelete="restrict",
        groups="cmr_module.group_cmr_user",
    )
    reference = fields.Char(readonly=True, help=f"At most {NAME_MAX} characters.")
    reason = fields.Char(readonly=True, help=f"At most {NAME_MAX} characters.")
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        readonly=True,
        index="btree_not_null",
        # The host may still delete its documents; the reference stays.
        ondelete="set null",
        groups="cmr_module.group_cmr_user",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        groups="cmr_module.group_cmr_user",
    )
    reversed_line_id = fields.Many2one(
        "cmr.points.line",
        string="Takes Back",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The earning this line takes back (a cancelled sales order).",
        groups="cmr_module.group_cmr_user",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Recorded by",
        readonly=True,
        default=lambda self: self.env.user,
        ondelete="set null",
        groups="cmr_module.group_cmr_user",
    )

    _sql_constraints = [
        (
            "points_sign",
            "CHECK((kind = 'earn' AND points > 0) OR (kind IN ('redeem', 'expire') "
            "AND points < 0) OR (kind = 'adjust' AND points <> 0))",
            "Earnings are positive, redemptions and expiries negative, "
            "adjustments not zero.",
        ),
        ("amount_positive", "CHECK(amount >= 0)", "Amounts cannot be negative."),
        (
            "move_once",
            "UNIQUE(membership_id, move_id)",
            "An invoice earns points once per card.",
        ),
        (
            "order_once",
            "UNIQUE(membership_id, sale_order_id)",
            "A sales order earns points once per card.",
        ),
        (
            "reversed_once",
            "UNIQUE(reversed_line_id)",
            "An earning is taken back once.",
        ),
    ]

    def init(self):
        # Open earnings by age, for the expiry run.
        self.env.execute_query(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS cmr_points_line_positive_expiry_idx
                ON cmr_points_line (expires_on, membership_id) WHERE points > 0
                """
            )
        )

    # Set when the line is written, under the validity of that day: a later
    # change of the alliance's validity applies to new points only.
    @api.depends("date", "points", "membership_id")
    def _compute_expires_on(self):
        for line in self:
            days = line.membership_id.alliance_id.points_validity_days
            if line.points > 0 and days and line.date:
                line.expires_on = line.date.date() + relativedelta(days=days)
            else:
                line.expires_on = False

    @api.depends("kind", "points", "membership_id")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for line in self:
            line.display_name = f"{labels.get(line.kind, '')} {line.points:+d}"

    def _portal_summary(self):
        """What the merchant's counter confirms after recording a line."""
        self.ensure_one()
        return self.env._(
            "Recorded: card %(card)s (%(member)s), %(points)s points.",
            card=self.card_number,
            member=self.member_name,
            points=self.points,
        )

    # ------------------------------------------------------------------
    # Consumption (first in, first out) and expiry
    # ------------------------------------------------------------------

    @api.model
    def _open_earnings(self, membership_ids, expired_before=None):
        """[(line id, membership id, points left, expires on)] of positive lines, oldest
        first, optionally only those expired before a day. One query."""
        self.flush_model()
        self.env["cmr.points.allocation"].flush_model()
        return self.env.execute_query(
            SQL(
                """
            SELECT l.id, l.membership_id, l.points - COALESCE(a.used, 0), l.expires_on
              FROM cmr_points_line l
         LEFT JOIN LATERAL (SELECT SUM(points) AS used FROM cmr_points_allocation
                             WHERE earn_line_id = l.id) a ON TRUE
             WHERE l.points > 0 AND l.membership_id = ANY(%s) %s
               AND l.points - COALESCE(a.used, 0) > 0
          ORDER BY l.membership_id, l.date, l.id
                """,
                list(membership_ids),
                SQL("AND l.expires_on < %s", expired_before)
                if expired_before
                else SQL(),
            )
        )

    @api.model
    def _consume(self, membership, points, values):
        """Append a negative line of ``points`` on a locked card and allocate
        it to the oldest open earnings."""
        line = self.create(dict(values, membership_id=membership.id, points=-points))
        allocations = []
        left = points
        for earn_id, _membership_id, open_points, _expires in self._open_earnings(
            membership.ids
        ):
            if left <= 0:
                break
            take = min(left, open_points)
            allocations.append(
                {
                    "consumer_line_id": line.id,
                    "earn_line_id": earn_id,
                    "points": take,
                }
            )
            left -= take
        if left:
            # The balance was checked under the card's lock: cannot happen.
            raise UserError(self.env._("Not enough points on the card."))
        self.env["cmr.points.allocation"].create(allocations)
        return line

    @api.model
    def _expiring_cards(self, day):
        """Ids of the cards with points left on earnings expired before
        ``day``, in id order (one query)."""
        self.flush_model()
        self.env["cmr.points.allocation"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT l.membership_id
              FROM cmr_points_line l
             WHERE l.points > 0 AND l.expires_on < %s
               AND l.points > COALESCE((SELECT SUM(points)
                                          FROM cmr_points_allocation
                                         WHERE earn_line_id = l.id), 0)
          ORDER BY l.membership_id
                """,
                day,
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _expire_points(self, day, membership_ids=None):
        """Expire what is left of earnings older than their validity, on
        ``day``: one expiry line per card, allocated to the earnings. Set-based
        (a few statements whatever the number of cards). Returns the number of
        points expired."""
        self.flush_model()
        self.env["cmr.points.allocation"].flush_model()
        if membership_ids is None:
            membership_ids = self._expiring_cards(day)
            # Lock the cards: a redemption running now waits for the expiry.
            self.env["cmr.membership"].browse(membership_ids)._lock()
        if not membership_ids:
            return 0
        now = fields.Datetime.now()
        # Raw INSERTs: one statement appends the expiry lines and allocations
        # of every card (the ORM would run per card); the stored related
        # fields of a line are copied from its card (related_columns).
        related = related_columns(self, "membership_id")
        [[expired]] = self.env.execute_query(
            SQL(
                """
            WITH open AS (
                SELECT l.id, l.membership_id, l.points - COALESCE(a.used, 0) AS left_
                  FROM cmr_points_line l
             LEFT JOIN LATERAL (SELECT SUM(points) AS used FROM cmr_points_allocation
                                 WHERE earn_line_id = l.id) a ON TRUE
                 WHERE l.points > 0 AND l.expires_on < %(day)s
                   AND l.membership_id = ANY(%(ids)s)
                   AND l.points - COALESCE(a.used, 0) > 0
            ), per_card AS (
                SELECT membership_id, SUM(left_) AS total
                  FROM open GROUP BY membership_id
            ), expiry AS (
                INSERT INTO cmr_points_line (membership_id, %(related)s, kind, points,
                       date, amount, reason, user_id,
                       create_uid, create_date, write_uid, write_date)
                SELECT m.id, %(related_values)s, 'expire', -p.total,
                       %(now)s, 0, %(reason)s, NULL, %(audit)s
                  FROM per_card p JOIN cmr_membership m ON m.id = p.membership_id
             RETURNING id, membership_id
            ), allocation AS (
                INSERT INTO cmr_points_allocation (consumer_line_id, earn_line_id,
                       points)
                SELECT e.id, o.id, o.left_
                  FROM open o JOIN expiry e ON e.membership_id = o.membership_id
             RETURNING points
            )
            SELECT COALESCE(SUM(points), 0) FROM allocation
                """,
                day=day,
                ids=list(membership_ids),
                related=SQL(", ").join(
                    SQL.identifier(column) for column, _source in related
                ),
                related_values=SQL(", ").join(
                    SQL.identifier("m", source) for _column, source in related
                ),
                now=now,
                reason=self.env._("Points older than the alliance allows"),
                audit=audit_values(self.env, now),
            )
        )
        self.invalidate_model()
        self.env["cmr.points.allocation"].invalidate_model()
        self.env["cmr.membership"].invalidate_model(["line_ids", "balance"])
        return expired

    # ------------------------------------------------------------------
    # Earnings from the company's own sales
    # ------------------------------------------------------------------

    @api.model
    def _earn_from_company(self):
        """Points for paid customer invoices or confirmed sales orders of
        members, per their alliance's rule; each document earns once per
        card. Returns the new lines."""
        return self._create_earnings(self._earnings_due())

    @api.model
    def _earnings_due(self):
        """The values of the earning lines owed by paid invoices and
        confirmed orders and not written yet, in document order (two
        queries); documents past the ledger's bounds or worth no point are
        left out."""
        self.flush_model()
        self.env["account.move"].flush_model()
        self.env["sale.order"].flush_model()
        self.env["cmr.membership"].flush_model()
        self.env["cmr.alliance"].flush_model()
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT ON (mv.id, ms.alliance_id)
                   ms.id, al.earn_rate, mv.id, NULL::int, mv.amount_total_signed,
                   mv.name
              FROM account_move mv
              JOIN res_partner mp ON mp.commercial_partner_id = mv.commercial_partner_id
              JOIN cmr_membership ms ON ms.partner_id = mp.id AND ms.state = 'active'
              JOIN cmr_alliance al ON al.id = ms.alliance_id AND al.active
                                   AND al.earn_source = 'invoice' AND al.earn_rate > 0
                                   AND al.company_id = mv.company_id
             WHERE mv.move_type = 'out_invoice' AND mv.state = 'posted'
               AND mv.payment_state IN ('paid', 'in_payment')
               AND mv.invoice_date >= ms.date_start
               AND (ms.date_end IS NULL OR mv.invoice_date <= ms.date_end)
               AND NOT EXISTS (SELECT 1 FROM cmr_points_line l
                                WHERE l.membership_id = ms.id AND l.move_id = mv.id)
          ORDER BY mv.id, ms.alliance_id, (ms.partner_id = mv.partner_id) DESC, ms.id
                """
            )
        )
        rows += self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT ON (so.id, ms.alliance_id)
                   ms.id, al.earn_rate, NULL::int, so.id,
                   so.amount_total / COALESCE(NULLIF(so.currency_rate, 0), 1),
                   so.name
              FROM sale_order so
              JOIN res_partner sp ON sp.id = so.partner_id
              JOIN res_partner mp ON mp.commercial_partner_id = sp.commercial_partner_id
              JOIN cmr_membership ms ON ms.partner_id = mp.id AND ms.state = 'active'
              JOIN cmr_alliance al ON al.id = ms.alliance_id AND al.active
                                   AND al.earn_source = 'order' AND al.earn_rate > 0
                                   AND al.company_id = so.company_id
             WHERE so.state = 'sale'
               AND so.date_order::date >= ms.date_start
               AND (ms.date_end IS NULL OR so.date_order::date <= ms.date_end)
               AND NOT EXISTS (SELECT 1 FROM cmr_points_line l
                                WHERE l.membership_id = ms.id
                                  AND l.sale_order_id = so.id)
          ORDER BY so.id, ms.alliance_id, (ms.partner_id = so.partner_id) DESC, ms.id
                """
            )
        )
        values = []
        for membership_id, rate, move_id, order_id, amount, name in rows:
            points = math.floor(amount * rate + 1e-9)
            if points > POINTS_MAX or amount > AMOUNT_MAX:
                # Past the ledger's bounds: left for a manager, the others earn.
                _logger.warning(
                    "Document %s is past the points ledger's bounds: no points.", name
                )
                continue
            if points > 0:
                values.append(
                    {
                        "membership_id": membership_id,
                        "kind": "earn",
                        "points": points,
                        "amount": amount,
                        "move_id": move_id,
                        "sale_order_id": order_id,
                        "reference": name,
                    }
                )
        return values

    @api.model
    def _create_earnings(self, values):
        return self.sudo().create(values)

    @api.model
    def _hold_orders(self, values):
        """The earnings of ``values`` whose sales order (if any) this
        transaction could lock and rewrite (``SKIP LOCKED``): an order being
        cancelled at this moment is left to the next call, which sees it
        cancelled; an order cancelled after this transaction began fails
        the lock (REPEATABLE READ) and the batch is tried again. Once the
        earning is written, a cancellation waits for it, is retried and
        takes it back at once."""
        order_ids = sorted({v["sale_order_id"] for v in values if v["sale_order_id"]})
        if not order_ids:
            return values
        self.env["sale.order"].flush_model()
        held = {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT id FROM sale_order WHERE id = ANY(%s) ORDER BY id "
                    "FOR NO KEY UPDATE SKIP LOCKED",
                    order_ids,
                )
            )
        }
        if held:
            self.env.execute_query(
                SQL(
                    "UPDATE sale_order SET write_date = write_date WHERE id = ANY(%s)",
                    sorted(held),
                )
            )
        return [
            v for v in values if not v["sale_order_id"] or v["sale_order_id"] in held
        ]

    @api.model
    def _take_back_refunds(self):
        """Posted credit notes of invoices that earned points take back the
        refunded share of those points, up to what is left on the card (a
        negative adjustment, oldest points first); each credit note once per
        card. Returns the new lines."""
        self.flush_model()
        self.env["account.move"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT l.membership_id, rf.id, rf.name,
                   LEAST(l.points, FLOOR(l.points * ABS(rf.amount_total_signed)
                                         / NULLIF(ABS(mv.amount_total_signed), 0)
                                         + 1e-9))::int
              FROM account_move rf
              JOIN account_move mv ON mv.id = rf.reversed_entry_id
              JOIN cmr_points_line l ON l.move_id = mv.id AND l.kind = 'earn'
             WHERE rf.move_type = 'out_refund' AND rf.state = 'posted'
               AND NOT EXISTS (SELECT 1 FROM cmr_points_line x
                                WHERE x.membership_id = l.membership_id
                                  AND x.move_id = rf.id)
          ORDER BY l.membership_id, rf.id
                """
            )
        )
        rows = [row for row in rows if row[3]]
        if not rows:
            return self.browse()
        cards = self.env["cmr.membership"].browse({row[0] for row in rows})
        cards._lock()
        cards._expire()
        balances = cards._balances()
        lines = self.browse()
        for membership_id, move_id, name, points in rows:
            points = min(points, balances.get(membership_id, 0))
            if points <= 0:
                # Nothing left to take back now: the next run tries again.
                continue
            balances[membership_id] -= points
            lines |= self.sudo()._consume(
                cards.browse(membership_id),
                points,
                {
                    "kind": "adjust",
                    "move_id": move_id,
                    "reference": name,
                    "reason": self.env._("Credit note %(name)s", name=name),
                },
            )
        return lines

    @api.model
    def _take_back_cancelled_orders(self, orders=None):
        """Earnings of sales orders since cancelled are taken back by a
        reversing line (a negative adjustment naming the earning), never by
        changing or deleting the earning.

        The balance is never negative: when the member has already spent
        some of those points, only what is left on the card is taken back
        and the reason says how many points could not be (they stay spent;
        a manager may adjust). A card with nothing left is tried again at
        the next run. Each earning is taken back at most once (unique
        ``reversed_line_id``, under the card's lock). Returns the new lines.
        """
        self.flush_model()
        self.env["sale.order"].flush_model(["state"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT l.id, l.membership_id, l.points, so.name
              FROM cmr_points_line l
              JOIN sale_order so ON so.id = l.sale_order_id
             WHERE l.kind = 'earn' AND so.state = 'cancel' %s
               AND NOT EXISTS (SELECT 1 FROM cmr_points_line x
                                WHERE x.reversed_line_id = l.id)
          ORDER BY l.membership_id, l.id
                """,
                SQL("AND so.id = ANY(%s)", list(orders.ids))
                if orders is not None
                else SQL(),
            )
        )
        if not rows:
            return self.browse()
        cards = self.env["cmr.membership"].browse({row[1] for row in rows})
        cards._lock()
        cards._expire()
        # Read again under the lock: a concurrent run may have taken some back.
        done = {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT reversed_line_id FROM cmr_points_line "
                    "WHERE reversed_line_id = ANY(%s)",
                    [row[0] for row in rows],
                )
            )
        }
        balances = cards._balances()
        lines = self.browse()
        for earn_id, membership_id, points, name in rows:
            take = min(points, balances.get(membership_id, 0))
            if earn_id in done or take <= 0:
                continue
            balances[membership_id] -= take
            reason = (
                self.env._("Sales order %(name)s cancelled", name=name)
                if take == points
                else self.env._(
                    "Sales order %(name)s cancelled: %(spent)s of its %(points)s "
                    "points were already spent and are not taken back",
                    name=name,
                    spent=points - take,
                    points=points,
                )
            )
            lines |= self.sudo()._consume(
                cards.browse(membership_id),
                take,
                {
                    "kind": "adjust",
                    "reversed_line_id": earn_id,
                    "reference": name,
                    "reason": reason,
                },
            )
        return lines

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------

    @api.model
    def _cron_expire_points(self, batch_size=EXPIRY_BATCH):
        """Expire cards, then old points, a batch of cards per call: the
        scheduler commits each batch and calls again while some are left, so
        the cards are never locked long. A card a counter is using at this
        moment is skipped (its redemption expires its old points first);
        the expiry is computed under each card's lock, from its ledger: a
        batch that crashed wrote nothing and the next call finds it due."""
        self.env["cmr.membership"]._expire_cards()
        day = fields.Date.context_today(self)
        card_ids = self._expiring_cards(day)
        batch = card_ids[:batch_size]
        held = self.env["cmr.membership"].browse(batch)._lock(skip_locked=True)
        self._expire_points(day, held.ids)
        self.env["ir.cron"]._notify_progress(
            done=len(held), remaining=len(card_ids) - len(batch)
        )

    @api.model
    def _cron_earn_from_company(self, batch_size=EARN_BATCH):
        """Earnings owed by the company's documents, a batch per call (the
        scheduler commits it and calls again while some are owed); then the
        take-backs of credit notes and cancelled orders. Each document earns
        once per card (unique keys), each earning is taken back once: a
        batch that crashed wrote nothing, the next call finds it owed."""
        due = self._earnings_due()
        batch = self._hold_orders(due[:batch_size])
        self._create_earnings(batch)
        self._take_back_refunds()
        self._take_back_cancelled_orders()
        self.env["ir.cron"]._notify_progress(
            done=len(batch), remaining=max(len(due) - batch_size, 0)
        )
