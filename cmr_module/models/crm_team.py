from datetime import timedelta

from odoo import fields, models

from .cmr_complaint_selections import OPEN_STATES

# The dashboard's rates cover the complaints received in this many days.
KPI_DAYS = 90


class CrmTeam(models.Model):
    _inherit = "crm.team"

    cmr_complaint_open_count = fields.Integer(
        string="Open Complaints", compute="_compute_cmr_complaint_kpis"
    )
    cmr_complaint_late_count = fields.Integer(
        string="Late Complaints",
        compute="_compute_cmr_complaint_kpis",
        help="Open complaints past their deadline.",
    )
    cmr_complaint_count = fields.Integer(
        string="Complaints (90 days)", compute="_compute_cmr_complaint_kpis"
    )
    cmr_complaint_answered_count = fields.Integer(
        string="Answered (90 days)", compute="_compute_cmr_complaint_kpis"
    )
    cmr_complaint_rated_count = fields.Integer(
        string="Rated (90 days)", compute="_compute_cmr_complaint_kpis"
    )
    cmr_complaint_timeliness = fields.Float(
        string="Timeliness (%)", compute="_compute_cmr_complaint_kpis"
    )
    cmr_complaint_satisfaction = fields.Float(
        string="Satisfaction (1-5)", compute="_compute_cmr_complaint_kpis"
    )
    cmr_complaint_reopen_rate = fields.Float(
        string="Reopened (%)", compute="_compute_cmr_complaint_kpis"
    )

    def _compute_cmr_complaint_kpis(self):
        """Three grouped reads for all the teams shown, whatever their number."""
        Complaint = self.env["cmr.complaint"]
        Report = self.env["cmr.complaint.report"]
        if not (Complaint.has_access("read") and self.ids):
            self._cmr_reset_complaint_kpis()
            return
        now = fields.Datetime.now()
        open_counts = {
            team.id: count
            for team, count in Complaint._read_group(
                [("team_id", "in", self.ids), ("state", "in", OPEN_STATES)],
                ["team_id"],
                ["__count"],
            )
        }
        late_counts = {}
        for team, count in Complaint._read_group(
            [
                ("team_id", "in", self.ids),
                ("state", "in", OPEN_STATES),
                ("deadline", "<", now),
            ],
            ["team_id"],
            ["__count"],
        ):
            late_counts[team.id] = count
        rates = {
            team.id: values
            for team, *values in Report._read_group(
                [
                    ("team_id", "in", self.ids),
                    ("date_received", ">=", now - timedelta(days=KPI_DAYS)),
                ],
                ["team_id"],
                [
                    "complaint_count:sum",
                    "answered_count:sum",
                    "rated_count:sum",
                    "timeliness:avg",
                    "satisfaction:avg",
                    "reopen_rate:avg",
                ],
            )
        }
        for team in self:
            count, answered, rated, timeliness, satisfaction, reopen_rate = rates.get(
                team.id, (0, 0, 0, 0.0, 0.0, 0.0)
            )
            team.cmr_complaint_open_count = open_counts.get(team.id, 0)
            team.cmr_complaint_late_count = late_counts.get(team.id, 0)
            team.cmr_complaint_count = count
            team.cmr_complaint_answered_count = answered
            team.cmr_complaint_rated_count = rated
            team.cmr_complaint_timeliness = timeliness or 0.0
            team.cmr_complaint_satisfaction = satisfaction or 0.0
            team.cmr_complaint_reopen_rate = reopen_rate or 0.0

    def _cmr_reset_complaint_kpis(self):
        self.cmr_complaint_open_count = 0
        self.cmr_complaint_late_count = 0
        self.cmr_complaint_count = 0
        self.cmr_complaint_answered_count = 0
        self.cmr_complaint_rated_count = 0
        self.cmr_complaint_timeliness = 0.0
        self.cmr_complaint_satisfaction = 0.0
        self.cmr_complaint_reopen_rate = 0.0

    def _cmr_complaint_action(self, xmlid, domain, context=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("team_id", "=", self.id), *domain]
        action["context"] = context or {}
        action["display_name"] = self.env._(
            "%(team)s: %(what)s", team=self.display_name, what=action["name"]
        )
        return action

    def action_cmr_open_complaints(self):
        return self._cmr_complaint_action(
            "cmr_module.cmr_complaint_action", [("state", "in", OPEN_STATES)]
        )

    def action_cmr_late_complaints(self):
        return self._cmr_complaint_action(
            "cmr_module.cmr_complaint_action",
            [
                ("state", "in", OPEN_STATES),
                ("deadline", "<", fields.Datetime.now()),
            ],
        )

    def action_cmr_complaint_analysis(self):
        return self._cmr_complaint_action("cmr_module.cmr_complaint_report_action", [])
