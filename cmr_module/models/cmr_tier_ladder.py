import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)


class CmrTierLadder(models.Model):
    """How a company scores its customers and turns scores into tiers.

    A company may keep several ladders (Gold / Ordinary / Low, or VIP / Care /
    Adapt / Indifferent) but uses one at a time: the active one.
    """

    _name = "cmr.tier.ladder"
    _description = "Tier Ladder"
    _order = "company_id, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    method = fields.Selection(
        [
            ("threshold", "Score thresholds"),
            ("percentile", "Rank percentiles (by score)"),
            ("pareto", "Pareto share of revenue"),
        ],
        required=True,
        default="threshold",
        help="Score thresholds: a customer reaches a tier with a score at or "
        "above its threshold.\n"
        "Rank percentiles: customers ranked by score; the tier holds the top X %.\n"
        "Pareto: customers ranked by revenue; the tier holds those that bring "
        "the first X % of the revenue.\n"
        "Customers with the same score (or revenue) always share a tier.",
    )
    tier_ids = fields.One2many("cmr.tier", "ladder_id", string="Tiers", copy=True)
    criterion_ids = fields.One2many(
        "cmr.score.criterion",
        "ladder_id",
        string="Scoring Criteria",
        copy=True,
        groups="cmr_module.group_cmr_user",
    )
    window_months = fields.Integer(
        string="Rolling Window (months)",
        default=12,
        required=True,
        help="Invoices, orders and referrals of this many months count.",
    )
    downgrade_policy = fields.Selection(
        [
            ("consecutive", "After consecutive evaluations below"),
            ("grace", "After a grace period"),
        ],
        required=True,
        default="consecutive",
        help="Upgrades apply at once; downgrades wait, so that one weak month "
        "does not move a customer down.",
        groups="cmr_module.group_cmr_user",
    )
    downgrade_after = fields.Integer(
        string="Evaluations Below",
        default=2,
        help="Move a customer down after this many evaluations in a row below "
        "the tier (1 = at once).",
        groups="cmr_module.group_cmr_user",
    )
    grace_days = fields.Integer(
        string="Grace Period (days)",
        default=60,
        help="Move a customer down when they have stayed below the tier this "
        "many days.",
        groups="cmr_module.group_cmr_user",
    )
    notify_topic_id = fields.Many2one(
        "cmr.topic",
        string="Notice Topic",
        default=lambda self: self.env.ref(
            "cmr_module.cmr_topic_relationship", raise_if_not_found=False
        ),
        help="The topic of the tier-change notice; the contact gate checks it.",
        groups="cmr_module.group_cmr_user",
    )
    notice_template_id = fields.Many2one(
        "mail.template",
        domain=[("model", "=", "cmr.tier.history")],
        default=lambda self: self.env.ref(
            "cmr_module.mail_template_cmr_tier_change", raise_if_not_found=False
        ),
        groups="cmr_module.group_cmr_user",
    )

    @api.constrains("active", "company_id")
    def _check_one_active_per_company(self):
        for ladder in self.filtered("active"):
            if self.search_count(
                [
                    ("company_id", "=", ladder.company_id.id),
                    ("id", "!=", ladder.id),
                ]
            ):
                raise ValidationError(
                    self.env._(
                        "%(company)s already uses another tier ladder. Archive "
                        "it first, or use the button “Use this ladder”.",
                        company=ladder.company_id.name,
                    )
                )

    run_ids = fields.One2many(
        "cmr.tier.run", "ladder_id", string="Runs", groups="cmr_module.group_cmr_user"
    )
    run_count = fields.Integer(
        compute="_compute_counts", groups="cmr_module.group_cmr_user"
    )
    customer_count = fields.Integer(
        string="Customers",
        compute="_compute_counts",
        groups="cmr_module.group_cmr_user",
    )
    last_run_date = fields.Datetime(
        compute="_compute_counts", groups="cmr_module.group_cmr_user"
    )

    def _compute_counts(self):
        runs = {
            ladder: (count, last)
            for ladder, count, last in self.env["cmr.tier.run"]._read_group(
                [("ladder_id", "in", self.ids)], ["ladder_id"], ["__count", "date:max"]
            )
        }
        customers = dict(
            self.env["cmr.partner.tier"]._read_group(
                [("ladder_id", "in", self.ids)], ["ladder_id"], ["__count"]
            )
        )
        for ladder in self:
            ladder.run_count, ladder.last_run_date = runs.get(ladder, (0, False))
            ladder.customer_count = customers.get(ladder, 0)

    @api.constrains("tier_ids", "method")
    def _check_tier_bounds(self):
        for ladder in self:
            bounds = ladder._ordered_tiers().mapped("bound")
            if ladder.method == "threshold":
                if any(b < 0 for b in bounds) or any(
                    upper <= lower
                    for upper, lower in zip(bounds, bounds[1:], strict=False)
                ):
                    raise ValidationError(
                        self.env._(
                            "Ladder %(ladder)s: score thresholds must fall strictly "
                            "from the best tier to the last, and not be negative "
                            "(they are: %(bounds)s).",
                            ladder=ladder.name,
                            bounds=", ".join(f"{b:g}" for b in bounds),
                        )
                    )
                continue
            if any(not 0 < b <= 100 for b in bounds) or any(
                upper >= lower for upper, lower in zip(bounds, bounds[1:], strict=False)
            ):
                raise ValidationError(
                    self.env._(
                        "Ladder %(ladder)s: percentiles are between 0 and 100 and "
                        "rise strictly from the best tier to the last (they are: "
                        "%(bounds)s).",
                        ladder=ladder.name,
                        bounds=", ".join(f"{b:g}" for b in bounds),
                    )
                )

    @api.constrains("criterion_ids")
    def _check_weights(self):
        for ladder in self:
            totals = {}
            for criterion in ladder.criterion_ids:
                key = criterion.category_id
                totals[key] = totals.get(key, 0.0) + criterion.weight
            for category, total in totals.items():
                if abs(total - 100.0) > 0.01:
                    raise ValidationError(
                        self.env._(
                            "Ladder %(ladder)s: the weights of %(set)s sum to "
                            "%(total)s %%, not 100 %%.",
                            ladder=ladder.name,
                            set=category.name or self.env._("the default criteria"),
                            total=f"{total:g}",
                        )
                    )
            kinds = [(c.category_id, c.kind) for c in ladder.criterion_ids]
            if len(kinds) != len(set(kinds)):
                raise ValidationError(
                    self.env._(
                        "Ladder %(ladder)s: a criterion appears twice in one set.",
                        ladder=ladder.name,
                    )
                )

    @api.constrains("window_months", "downgrade_after", "grace_days")
    def _check_positive_settings(self):
        for ladder in self:
            if ladder.window_months < 1:
                raise ValidationError(
                    self.env._("The rolling window must be at least one month.")
                )
            if ladder.downgrade_after < 1 or ladder.grace_days < 0:
                raise ValidationError(
                    self.env._(
                        "A downgrade needs at least one evaluation below and a "
                        "grace period of zero days or more."
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_reevaluate(self):
        """Re-evaluate now (managers)."""
        self._check_can_reevaluate()
        self._check_ready()
        # Seconds to minutes on a big base: run in the background.
        job = self.env["cmr.job"]._enqueue(
            self.env._("Re-evaluate %(ladder)s", ladder=self.name),
            self,
            "_job_reevaluate",
        )
        return job._action_open()

    def _check_can_reevaluate(self):
        self.ensure_one()
        if not self.env.user.has_group("cmr_module.group_cmr_manager"):
            raise UserError(
                self.env._("Only CMR managers can re-evaluate the customers' tiers.")
            )
        # The ladder must be one the manager may see (their companies).
        self.check_access("read")

    def _job_reevaluate(self, job):
        """The queued work of *Re-evaluate now*: one run, as the manager
        (still one when it runs)."""
        self._check_can_reevaluate()
        run = self.sudo()._evaluate(trigger="manual")
        job._set_progress(run.customer_count, run.customer_count)
        job._set_result(
            run,
            self.env._(
                "%(customers)s customers evaluated: %(up)s moved up, %(down)s "
                "moved down, %(held)s downgrades held.",
                customers=run.customer_count,
                up=run.upgrade_count,
                down=run.downgrade_count,
                held=run.held_count,
            ),
        )
        return True

    def action_use_ladder(self):
        """Make this ladder the company's one in use."""
        self.ensure_one()
        self.search(
            [("company_id", "=", self.company_id.id), ("id", "!=", self.id)]
        ).action_archive()
        self.action_unarchive()

    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_tier_run_action"
        )
        action["domain"] = [("ladder_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_view_standings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_partner_tier_action"
        )
        action["domain"] = [("ladder_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _get_current(self, company=None):
        """The ladder the company uses now (may be empty)."""
        company = company or self.env.company
        return self.search([("company_id", "=", company.id)], limit=1)

    def _ordered_tiers(self):
        """Tiers from the best to the last."""
        self.ensure_one()
        return self.tier_ids.sorted(lambda t: (t.sequence, t.id))

    def _criteria_for(self, category):
        """The criteria that score a customer of ``category``."""
        self.ensure_one()
        own = self.criterion_ids.filtered(lambda c: c.category_id == category)
        if category and own:
            return own
        return self.criterion_ids.filtered(lambda c: not c.category_id)

    def _check_ready(self):
        self.ensure_one()
        if not self.tier_ids:
            raise UserError(
                self.env._("Ladder %(ladder)s has no tiers.", ladder=self.name)
            )
        if not self.criterion_ids.filtered(lambda c: not c.category_id):
            raise UserError(
                self.env._(
                    "Ladder %(ladder)s needs default scoring criteria (with no "
                    "category).",
                    ladder=self.name,
                )
            )

    def _evaluate(self, trigger="manual", today=None):
        """Re-evaluate this ladder's customers and tell those who moved."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        run = self.env["cmr.tier.evaluation"]._evaluate(self, today, trigger)
        # Customers who moved are told by the notice cron, by batches.
        if run.upgrade_count or run.downgrade_count:
            self.env.ref("cmr_module.ir_cron_cmr_tier_notices")._trigger()
        _logger.info(
            "Tier ladder %s: %s customers, %s changes in %.2fs",
            self.name,
            run.customer_count,
            run.change_count,
            run.duration,
        )
        return run

    @api.model
    def _demo_pay_invoices(self, payments):
        """Demo data only: register the payment of each ``(invoice id, days
        after its invoice date)``."""
        for move_id, days in payments:
            move = self.env["account.move"].browse(move_id)
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=move.ids
            ).create(
                {"payment_date": move.invoice_date + relativedelta(days=days)}
            )._create_payments()

    @api.model
    def _cron_reevaluate(self):
        """Scheduled re-evaluation: one ladder per call, progress reported.

        A ladder already evaluated today is skipped, so the cron framework
        can call again until none remain.
        """
        today = fields.Date.context_today(self)
        done_today = (
            self.env["cmr.tier.run"].search([("evaluation_date", "=", today)]).ladder_id
        )
        ladders = self.search([("id", "not in", done_today.ids)], order="id")
        for index, ladder in enumerate(ladders):
            try:
                with self.env.cr.savepoint():
                    ladder._evaluate(trigger="cron", today=today)
            except UserError as error:
                # Not ready, or already running: the next ladder goes on.
                _logger.warning("Tier ladder %s not evaluated: %s", ladder.name, error)
                continue
            self.env["ir.cron"]._notify_progress(
                done=1, remaining=len(ladders) - index - 1
            )
            return
        self.env["ir.cron"]._notify_progress(done=0, remaining=0)
