from odoo import fields, models
from odoo.tools import SQL


class CmrKeyaccountActionReport(models.Model):
    """One row per action item of a key-account review (open or done): was
    it done, and by its deadline?"""

    _name = "cmr.keyaccount.action.report"
    _description = "Key-account Action Items"
    _auto = False
    _rec_name = "summary"
    _order = "date_deadline desc"
    _depends = {
        "mail.activity": [
            "res_model",
            "res_id",
            "user_id",
            "date_deadline",
            "date_done",
            "active",
            "summary",
        ],
        "cmr.keyaccount.review": ["partner_id", "company_id"],
    }

    activity_id = fields.Many2one("mail.activity", readonly=True)
    review_id = fields.Many2one("cmr.keyaccount.review", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Key Account", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned to", readonly=True)
    summary = fields.Char(readonly=True)
    date_deadline = fields.Date(string="Due Date", readonly=True)
    date_done = fields.Date(string="Done On", readonly=True)
    item_count = fields.Integer(string="Action Items", readonly=True)
    done_count = fields.Integer(string="Done", readonly=True)
    on_time_count = fields.Integer(string="Done on Time", readonly=True)
    on_time_rate = fields.Float(
        string="Done on Time (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the action items done by their due date.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT a.id, a.id AS activity_id, r.id AS review_id, r.partner_id,
                   r.company_id, a.user_id, a.summary, a.date_deadline,
                   a.date_done, 1 AS item_count,
                   CASE WHEN NOT a.active THEN 1 ELSE 0 END AS done_count,
                   CASE WHEN NOT a.active AND a.date_done <= a.date_deadline
                        THEN 1 ELSE 0 END AS on_time_count,
                   CASE WHEN NOT a.active AND a.date_done <= a.date_deadline
                        THEN 100.0 ELSE 0.0 END AS on_time_rate
              FROM mail_activity a
              JOIN cmr_keyaccount_review r
                ON a.res_model = 'cmr.keyaccount.review' AND r.id = a.res_id
            """
        )
