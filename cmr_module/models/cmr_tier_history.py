from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Tier-change notices are sent by batches of this many customers.
NOTICE_BATCH = 500
# Moves older than this are not announced any more (e.g. no channel at all).
NOTICE_DAYS = 7

HISTORY_REASONS = [
    ("evaluation", "Evaluation"),
    ("manual", "Manual change"),
    ("lock", "Lock"),
    ("unlock", "Unlock"),
]


class CmrTierHistory(models.Model):
    """Append-only history of customers' tiers: every move, and why.

    Lines are written by the re-evaluation (in bulk) and by the tier-change
    wizard; nobody can change or delete them.
    """

    _name = "cmr.tier.history"
    _inherit = ["cmr.append.only.mixin"]
    _description = "Tier History Line"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        # Lines go only with the customer record itself (erasure, uninstall).
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    ladder_id = fields.Many2one(
        "cmr.tier.ladder", required=True, index=True, ondelete="cascade", readonly=True
    )
    run_id = fields.Many2one(
        "cmr.tier.run",
        string="Evaluation Run",
        index=True,
        readonly=True,
        groups="cmr_module.group_cmr_user",
    )
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Changed by",
        default=lambda self: self.env.user,
        readonly=True,
        ondelete="set null",
        groups="cmr_module.group_cmr_user",
    )
    from_tier_id = fields.Many2one("cmr.tier", readonly=True, ondelete="restrict")
    to_tier_id = fields.Many2one("cmr.tier", readonly=True, ondelete="restrict")
    direction = fields.Selection(
        [
            ("initial", "First tier"),
            ("up", "Up"),
            ("down", "Down"),
            ("same", "Same tier"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    reason = fields.Selection(HISTORY_REASONS, required=True, readonly=True)
    # Staff's words and figures; the customer sees the move and its kind.
    note = fields.Char(readonly=True, groups="cmr_module.group_cmr_user")
    score = fields.Float(
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        groups="cmr_module.group_cmr_user",
    )
    breakdown = fields.Json(readonly=True, groups="cmr_module.group_cmr_user")
    revenue = fields.Monetary(readonly=True, groups="cmr_module.group_cmr_user")
    customer_count = fields.Integer(
        string="Customers", default=1, readonly=True, aggregator="sum"
    )

    upgrade_path = fields.Char(
        compute="_compute_upgrade_path",
        help="What the customer needs for the next tier, as of now.",
    )

    @api.depends_context("lang")
    def _compute_upgrade_path(self):
        standings = self.env["cmr.partner.tier"].search(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("ladder_id", "in", self.ladder_id.ids),
            ]
        )
        by_key = {(s.partner_id, s.ladder_id): s for s in standings}
        for line in self:
            standing = by_key.get((line.partner_id, line.ladder_id))
            line.upgrade_path = standing.upgrade_path if standing else False

    def _append_only_hint(self):
        return self.env._("Every move is kept as it was: change the tier again.")

    @api.model
    def _pending_notices_sql(self):
        """FROM/WHERE of the evaluation moves of the last days whose customer
        was not told yet."""
        self.env["cmr.contact"].flush_model(["res_model", "res_id"])
        self.flush_model(["direction", "reason", "partner_id", "ladder_id"])
        self.env["cmr.tier.ladder"].flush_model(
            ["notice_template_id", "notify_topic_id"]
        )
        return SQL(
            """
            FROM cmr_tier_history h
            -- Only ladders that send notices: the others' lines would wait
            -- (and block the batches) forever.
            JOIN cmr_tier_ladder l
              ON l.id = h.ladder_id
             AND l.notice_template_id IS NOT NULL
             AND l.notify_topic_id IS NOT NULL
           WHERE h.direction IN ('up', 'down') AND h.reason = 'evaluation'
             AND h.create_date >= %s
             AND NOT EXISTS (SELECT 1 FROM cmr_contact c
                              WHERE c.res_model = 'cmr.tier.history'
                                AND c.res_id = h.id)
             -- A later move of the customer on the ladder supersedes it: the
             -- customer hears of where they are now, once.
             AND NOT EXISTS (SELECT 1 FROM cmr_tier_history later
                              WHERE later.partner_id = h.partner_id
                                AND later.ladder_id = h.ladder_id
                                AND later.id > h.id)
            """,
            fields.Datetime.now() - timedelta(days=NOTICE_DAYS),
        )

    @api.model
    def _pending_notices(self, limit=None):
        """The moves whose customer was not told yet, oldest first."""
        rows = self.env.execute_query(
            SQL(
                "SELECT h.id %s ORDER BY h.id LIMIT %s",
                self._pending_notices_sql(),
                limit,
            )
        )
        return self.browse(row[0] for row in rows)

    @api.model
    def _pending_notice_count(self):
        [[count]] = self.env.execute_query(
            SQL("SELECT COUNT(*) %s", self._pending_notices_sql())
        )
        return count

    @api.model
    def _cron_send_notices(self, batch_size=NOTICE_BATCH):
        """Tell customers who moved up or down, one batch per call (the
        scheduler commits it and calls again while some are pending). The
        notice is the history line's contact: a batch that crashed left
        none, the next call sends them."""
        batch = self._pending_notices(batch_size)
        held = batch._hold_standings() if batch else batch
        if held:
            held._notify_customers()
        remaining = self._pending_notice_count() if held else 0
        self.env["ir.cron"]._notify_progress(done=len(held), remaining=remaining)

    def _hold_standings(self):
        """The lines of ``self`` whose customer's standing on the ladder this
        transaction could lock (``SKIP LOCKED``): a tier changed by hand at
        this moment (the change wizard, an evaluation) writes the standing
        and announces its own move, which supersedes this line; its line is
        left to the next call, which sees the newer move. A standing written
        since this transaction began makes the lock fail (REPEATABLE READ):
        the batch is rolled back and tried again."""
        self.env["cmr.partner.tier"].flush_model(["partner_id", "ladder_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT h.id
                  FROM cmr_tier_history h
                  JOIN cmr_partner_tier s ON s.partner_id = h.partner_id
                                         AND s.ladder_id = h.ladder_id
                 WHERE h.id = ANY(%s)
                 ORDER BY s.id
                   FOR NO KEY UPDATE OF s SKIP LOCKED
                """,
                self.ids,
            )
        )
        held = {row[0] for row in rows}
        return self.filtered(lambda line: line.id in held)

    @api.model
    def _direction(self, from_tier, to_tier):
        if not from_tier:
            return "initial"
        if from_tier == to_tier:
            return "same"
        key = (from_tier.sequence, from_tier.id) > (to_tier.sequence, to_tier.id)
        return "up" if key else "down"

    @api.model
    def _record_moves(self, moves):
        """Create history lines for staff moves (wizard, unlock).

        ``moves``: dicts with ``standing``, ``to_tier``, ``reason`` and
        optionally ``note``. Returns the lines.
        """
        return self.create(
            [
                {
                    "partner_id": move["standing"].partner_id.id,
                    "company_id": move["standing"].company_id.id,
                    "ladder_id": move["standing"].ladder_id.id,
                    "from_tier_id": move["standing"].tier_id.id,
                    "to_tier_id": move["to_tier"].id,
                    "direction": self._direction(
                        move["standing"].tier_id, move["to_tier"]
                    ),
                    "reason": move["reason"],
                    "note": move.get("note"),
                    "score": move["standing"].score,
                    "breakdown": move["standing"].breakdown,
                    "revenue": move["standing"].revenue,
                }
                for move in moves
            ]
        )

    def _notify_customers(self):
        """Tell customers their new tier, through the gate, on their preferred
        channel, with the ladder's template rendered in their language.
        The contacts wait in the queue: the gate's scheduled action sends
        them by batches."""
        contacts = self.env["cmr.contact"]
        for ladder in self.ladder_id:
            template = ladder.notice_template_id
            if not template or not ladder.notify_topic_id:
                continue
            lines = self.filtered(lambda line, lad=ladder: line.ladder_id == lad).sudo()
            subjects = template._render_field("subject", lines.ids, compute_lang=True)
            bodies = template._render_field("body_html", lines.ids, compute_lang=True)
            # Filed under the ladder's company (a shared customer would
            # otherwise get the scheduled action user's).
            contacts |= contacts.with_company(
                ladder.company_id
            )._send_on_preferred_channel(
                lines.partner_id,
                ladder.notify_topic_id,
                {line.partner_id.id: subjects[line.id] for line in lines},
                {line.partner_id.id: bodies[line.id] for line in lines},
                origin={line.partner_id.id: line for line in lines},
                deliver=False,
            )
        return contacts
