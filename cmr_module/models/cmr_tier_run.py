from odoo import fields, models
from odoo.tools import SQL


class CmrTierRun(models.Model):
    """One re-evaluation of a tier ladder: what it looked at and what moved."""

    _name = "cmr.tier.run"
    _description = "Tier Evaluation Run"
    _order = "date desc, id desc"
    _rec_name = "date"
    _check_company_auto = True

    ladder_id = fields.Many2one(
        "cmr.tier.ladder", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    evaluation_date = fields.Date(
        required=True, readonly=True, help="The day the rolling window ends."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Started by",
        default=lambda self: self.env.user,
        readonly=True,
    )
    trigger = fields.Selection(
        [("cron", "Scheduled"), ("manual", "Re-evaluate now")],
        required=True,
        readonly=True,
    )
    customer_count = fields.Integer(string="Customers Evaluated", readonly=True)
    change_count = fields.Integer(string="Tier Changes", readonly=True)
    upgrade_count = fields.Integer(string="Moved Up", readonly=True)
    downgrade_count = fields.Integer(string="Moved Down", readonly=True)
    held_count = fields.Integer(
        string="Downgrades Held",
        readonly=True,
        help="Customers below their tier whom hysteresis or a lock kept in it.",
    )
    notice_count = fields.Integer(
        string="Notices",
        compute="_compute_notice_count",
        help="Tier-change notices created for this run (sent, waiting or refused).",
    )
    duration = fields.Float(string="Duration (s)", digits=(16, 2), readonly=True)
    history_ids = fields.One2many("cmr.tier.history", "run_id", readonly=True)

    def _compute_notice_count(self):
        self.env["cmr.contact"].flush_model(["res_model", "res_id"])
        counts = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT h.run_id, COUNT(*) FROM cmr_contact c
                      JOIN cmr_tier_history h ON h.id = c.res_id
                     WHERE c.res_model = 'cmr.tier.history' AND h.run_id = ANY(%s)
                     GROUP BY h.run_id
                    """,
                    self.ids,
                )
            )
        )
        for run in self:
            run.notice_count = counts.get(run.id, 0)

    def action_view_migration(self):
        """The migration matrix of this run: tiers before × tiers after."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_tier_history_action_migration"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["display_name"] = self.env._(
            "Migration matrix of %(ladder)s, %(date)s",
            ladder=self.ladder_id.name,
            date=self.evaluation_date,
        )
        return action
