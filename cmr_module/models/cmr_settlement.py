import logging
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Largest value of an integer column: a period's points sum past it is refused
# cleanly instead of overflowing in the database.
INTEGER_MAX = 2**31 - 1
# Merchant agreements settled per step of a queued settlement.
SETTLE_BATCH = 50


class CmrSettlement(models.Model):
    """A merchant's statement for a period: the points its customers earned
    there (the merchant owes them to the company: customer invoice) and the
    points redeemed there (the company owes them to the merchant: vendor
    bill), at the agreement's settlement rate. One per agreement and period,
    so settling a period again never bills twice."""

    _name = "cmr.settlement"
    _description = "Merchant Settlement"
    _inherit = ["mail.thread", "cmr.input.guard"]
    _order = "date_from desc, merchant_id, id"
    _check_company_auto = True
    _input_number_ranges = {
        "points_earned": (0, INTEGER_MAX),
        "points_redeemed": (0, INTEGER_MAX),
    }

    name = fields.Char(compute="_compute_name", store=True)
    agreement_id = fields.Many2one(
        "cmr.alliance.merchant",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        groups="cmr_module.group_cmr_user",
    )
    merchant_id = fields.Many2one(
        related="agreement_id.partner_id", store=True, index=True, string="Merchant"
    )
    alliance_id = fields.Many2one(
        related="agreement_id.alliance_id",
        store=True,
        groups="cmr_module.group_cmr_user",
    )
    company_id = fields.Many2one(
        related="agreement_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    points_earned = fields.Integer(readonly=True)
    points_redeemed = fields.Integer(readonly=True)
    settlement_rate = fields.Float(
        string="Settlement per Point",
        digits=(16, 4),
        readonly=True,
        groups="cmr_module.group_cmr_user",
    )
    amount_due_by_merchant = fields.Monetary(
        string="Owed by Merchant", readonly=True, help="Points earned × rate."
    )
    amount_due_to_merchant = fields.Monetary(
        string="Owed to Merchant", readonly=True, help="Points redeemed × rate."
    )
    invoice_id = fields.Many2one(
        "account.move",
        string="Customer Invoice",
        readonly=True,
        copy=False,
        groups="cmr_module.group_cmr_user",
    )
    bill_id = fields.Many2one(
        "account.move",
        string="Vendor Bill",
        readonly=True,
        copy=False,
        groups="cmr_module.group_cmr_user",
    )
    state = fields.Selection(
        [("draft", "Computed"), ("done", "Invoiced")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        groups="cmr_module.group_cmr_user",
    )

    _sql_constraints = [
        (
            "period_once",
            "UNIQUE(agreement_id, date_from)",
            "A merchant agreement is settled once per period.",
        ),
    ]

    @api.depends("merchant_id", "date_from", "date_to")
    def _compute_name(self):
        for settlement in self:
            settlement.name = (
                f"{settlement.merchant_id.name or ''} "
                f"{settlement.date_from or ''} – {settlement.date_to or ''}"
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if any(settlement.state == "done" for settlement in self):
            raise UserError(self.env._("An invoiced settlement cannot be deleted."))

    # ------------------------------------------------------------------
    # Settling
    # ------------------------------------------------------------------

    @api.model
    def _settle(self, agreements, date_from, date_to):
        """Statements of ``agreements`` for [date_from, date_to] with their
        draft accounting documents. Periods already settled are returned
        as they are. Totals come from one grouped query."""
        if date_to < date_from:
            raise UserError(self.env._("The period ends before it starts."))
        # Settling is the CMR managers' job; the accounting documents are
        # then created as superuser (below), so a manager without Invoicing
        # rights settles too: only these checks stand in front of them.
        if not self.env.su and not self.env.user.has_group(
            "cmr_module.group_cmr_manager"
        ):
            raise AccessError(self.env._("Only CMR managers settle merchants."))
        agreements.check_access("read")
        if date_to >= fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "Settle a period once it is over: %(date_to)s is not past yet.",
                    date_to=date_to,
                )
            )
        # Two settlements of an agreement never interleave: the second waits,
        # is refused (serialization failure), retried, and finds the first's.
        self._lock_agreements(agreements)
        existing = self.search(
            [("agreement_id", "in", agreements.ids), ("date_from", "=", date_from)]
        )
        # A line belongs to one statement: no period may overlap another.
        overlapping = self.search(
            [
                ("agreement_id", "in", agreements.ids),
                ("date_from", "<=", date_to),
                ("date_to", ">=", date_from),
            ]
        ).filtered(lambda s: (s.date_from, s.date_to) != (date_from, date_to))
        if overlapping:
            raise UserError(
                self.env._(
                    "%(statement)s already covers part of this period: settle "
                    "the days after it.",
                    statement=overlapping[0].display_name,
                )
            )
        todo = agreements.filtered(
            lambda a: (
                a not in existing.agreement_id
                and a.date_start <= date_to
                and (not a.date_end or a.date_end >= date_from)
            )
        )
        totals = {}
        if todo:
            Line = self.env["cmr.points.line"]
            totals = {
                (agreement.id, kind): points
                for agreement, kind, points in Line._read_group(
                    [
                        ("agreement_id", "in", todo.ids),
                        ("kind", "in", ("earn", "redeem")),
                        ("date", ">=", fields.Datetime.to_datetime(date_from)),
                        (
                            "date",
                            "<",
                            fields.Datetime.to_datetime(
                                date_to + relativedelta(days=1)
                            ),
                        ),
                    ],
                    ["agreement_id", "kind"],
                    ["points:sum"],
                )
            }
        # Statements are written by this method only (managers read them):
        # the agreements were read with the caller's rights above.
        new = self.sudo().create(
            [
                {
                    "agreement_id": agreement.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "points_earned": totals.get((agreement.id, "earn"), 0),
                    "points_redeemed": -totals.get((agreement.id, "redeem"), 0),
                    "settlement_rate": agreement.settlement_rate,
                    "amount_due_by_merchant": agreement.currency_id.round(
                        totals.get((agreement.id, "earn"), 0)
                        * agreement.settlement_rate
                    ),
                    "amount_due_to_merchant": agreement.currency_id.round(
                        -totals.get((agreement.id, "redeem"), 0)
                        * agreement.settlement_rate
                    ),
                }
                for agreement in todo
            ]
        )
        # Statements computed earlier but not invoiced (an error in between)
        # get their documents now; invoiced ones are left alone.
        (existing | new)._create_moves()
        return existing | new

    @api.model
    def _lock_agreements(self, agreements):
        """Lock the agreements' rows until the end of the transaction and
        rewrite them, like ``cmr.membership._lock``."""
        if agreements:
            self.env.execute_query(
                SQL(
                    "SELECT id FROM cmr_alliance_merchant WHERE id = ANY(%s) "
                    "ORDER BY id FOR UPDATE",
                    list(agreements.ids),
                )
            )
            self.env.execute_query(
                SQL(
                    "UPDATE cmr_alliance_merchant SET write_date = write_date "
                    "WHERE id = ANY(%s)",
                    list(agreements.ids),
                )
            )

    def _create_moves(self):
        """Draft customer invoices and vendor bills of computed statements,
        as superuser: the caller passed ``_settle``'s checks, and the
        documents are the statement's figures, nothing the caller chose."""
        Move = self.env["account.move"].sudo()
        journals = {}  # (company, journal type): journal, looked up once
        for settlement in self.filtered(lambda s: s.state == "draft"):
            values = {"state": "done"}
            if settlement.amount_due_by_merchant:
                values["invoice_id"] = Move.create(
                    settlement._move_values("out_invoice", journals)
                ).id
            if settlement.amount_due_to_merchant:
                values["bill_id"] = Move.create(
                    settlement._move_values("in_invoice", journals)
                ).id
            settlement.sudo().write(values)

    def _move_values(self, move_type, journals=None):
        """Values of the statement's customer invoice (points earned at the
        merchant) or vendor bill (points redeemed there)."""
        self.ensure_one()
        if move_type == "out_invoice":
            journal_type, points = "sale", self.points_earned
            label = self.env._(
                "Points earned by members at %(merchant)s, %(start)s – %(end)s",
                merchant=self.merchant_id.name,
                start=self.date_from,
                end=self.date_to,
            )
        else:
            journal_type, points = "purchase", self.points_redeemed
            label = self.env._(
                "Points redeemed by members at %(merchant)s, %(start)s – %(end)s",
                merchant=self.merchant_id.name,
                start=self.date_from,
                end=self.date_to,
            )
        journals = {} if journals is None else journals
        key = (self.company_id, journal_type)
        if key not in journals:
            journals[key] = (
                self.env["account.journal"]
                .sudo()
                .search(
                    [
                        *self.env["account.journal"]._check_company_domain(
                            self.company_id
                        ),
                        ("type", "=", journal_type),
                    ],
                    limit=1,
                )
            )
        journal = journals[key]
        if not journal or not journal.default_account_id:
            raise UserError(
                self.env._(
                    "Set up a %(type)s journal with a default account for %(company)s "
                    "before settling merchants.",
                    type=dict(
                        self.env["account.journal"]
                        ._fields["type"]
                        ._description_selection(self.env)
                    )[journal_type],
                    company=self.company_id.name,
                )
            )
        return {
            "move_type": move_type,
            "partner_id": self.merchant_id.id,
            "journal_id": journal.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "invoice_date": self.date_to,
            "invoice_origin": self.name,
            "ref": self.name,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": label,
                        "account_id": journal.default_account_id.id,
                        "quantity": points,
                        "price_unit": self.settlement_rate,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }

    # ------------------------------------------------------------------
    # Actions and crons
    # ------------------------------------------------------------------

    def action_view_moves(self):
        self.ensure_one()
        moves = self.invoice_id | self.bill_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_journal_line"
        )
        action.update(domain=[("id", "in", moves.ids)], context={})
        return action

    @api.model
    def _job_settle(self, job, batch_size=SETTLE_BATCH):
        """The queued work of *Settle Merchants*: the next ``batch_size``
        agreements of the job per step, committed step by step."""
        agreement_ids = job.payload["agreement_ids"]
        todo = agreement_ids[job.done_count : job.done_count + batch_size]
        agreements = self.env["cmr.alliance.merchant"].browse(todo).exists()
        settlements = self.browse()
        refusal = None
        try:
            # A refused batch (e.g. a company without a journal) is noted
            # and the others are settled: the run never stops half-way.
            with self.env.cr.savepoint():
                settlements = self._settle(
                    agreements,
                    fields.Date.to_date(job.payload["date_from"]),
                    fields.Date.to_date(job.payload["date_to"]),
                )
        except UserError as error:
            refusal = self.env._(
                "Not settled: %(merchants)s: %(reason)s",
                merchants=", ".join(agreements.mapped("display_name")),
                reason=error.args[0],
            )
        done = min(job.done_count + batch_size, len(agreement_ids))
        job._set_progress(done, len(agreement_ids))
        job._set_result(settlements)
        if refusal:
            job._add_note(refusal)
        if done >= len(agreement_ids):
            job._add_note(
                self.env._(
                    "%(count)s merchant agreements processed, %(settled)s statements.",
                    count=len(agreement_ids),
                    settled=len(job.result_ids or []),
                )
            )
            return True
        return False

    @api.model
    def _unsettled_periods(self, agreements, until):
        """{(date_from, date_to): agreements} of the calendar months ending by
        ``until`` that are not settled yet, from each agreement's first month
        or the day after its last statement (the rest of a month after a
        shorter statement), to the month of the agreement's end. Starting
        after the last statement, no period overlaps a settled one."""
        last = dict(
            self.with_context(active_test=False)._read_group(
                [("agreement_id", "in", agreements.ids)],
                ["agreement_id"],
                ["date_to:max"],
            )
        )
        periods = defaultdict(lambda: agreements.browse())
        for agreement in agreements:
            day = (
                last[agreement] + timedelta(days=1)
                if agreement in last
                else agreement.date_start.replace(day=1)
            )
            while not agreement.date_end or day <= agreement.date_end:
                month_end = day.replace(day=1) + relativedelta(months=1, days=-1)
                if month_end > until:
                    break
                periods[(day, month_end)] |= agreement
                day = month_end + timedelta(days=1)
        return periods

    @api.model
    def _cron_settle_last_month(self, batch_size=SETTLE_BATCH):
        """Settle every complete month not settled yet (normally last month;
        after missed runs, each missed month in order), per company, about
        ``batch_size`` agreements per call: the scheduler commits each call
        and calls again while some are left. What is left is read from the
        statements each time (``_unsettled_periods``), and a period is
        settled once per agreement under the agreements' lock (the queued
        *Settle Merchants* button does the same): a call that crashed wrote
        nothing, the next one settles it."""
        until = fields.Date.context_today(self).replace(day=1) - timedelta(days=1)
        # Archived agreements too: their transactions of the month are owed.
        agreements = (
            self.env["cmr.alliance.merchant"]
            .with_context(active_test=False)
            .search([("date_start", "<=", until)])
        )
        done = left = 0
        for company in agreements.company_id:
            company_agreements = agreements.filtered(
                lambda a, c=company: a.company_id == c
            )
            periods = self._unsettled_periods(company_agreements, until)
            for (date_from, date_to), todo in sorted(periods.items()):
                if done >= batch_size:
                    left += len(todo)
                    continue
                batch = todo[: batch_size - done]
                # One company's error (e.g. no journal) does not stop the
                # others'; its later months wait, so no month is skipped.
                # Nor are they counted as left: the next run tries again.
                try:
                    with self.env.cr.savepoint():
                        self.with_company(company)._settle(batch, date_from, date_to)
                except UserError as error:
                    _logger.warning(
                        "Settlement of %s for %s skipped: %s",
                        date_from,
                        company.name,
                        error,
                    )
                    break
                done += len(batch)
                left += len(todo) - len(batch)
            # Statements computed earlier whose documents failed get them now.
            drafts = self.search(
                [
                    ("agreement_id", "in", company_agreements.ids),
                    ("state", "=", "draft"),
                ]
            )
            if drafts:
                try:
                    with self.env.cr.savepoint():
                        drafts.with_company(company)._create_moves()
                except UserError as error:
                    _logger.warning(
                        "Settlement documents for %s skipped: %s", company.name, error
                    )
        self.env["ir.cron"]._notify_progress(done=done, remaining=left)
