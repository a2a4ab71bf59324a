from odoo.tools import SQL
from odoo.tools.sql import column_exists


def migrate(cr, version):
    """Complaints reminded or breached before 18.0.1.1.0 keep their state:
    the deadline they were reminded of or escalated for is the current one,
    so the escalation run does not repeat them. Customers stop following
    their complaints: what they receive now goes through the contact gate."""
    cr.execute(
        SQL(
            """DELETE FROM mail_followers f
                USING cmr_complaint c
                WHERE f.res_model = 'cmr.complaint' AND f.res_id = c.id
                  AND f.partner_id = c.partner_id"""
        )
    )
    if not column_exists(cr, "cmr_complaint", "reminded"):
        return
    cr.execute(
        SQL(
            """UPDATE cmr_complaint
                  SET reminded_deadline = CASE WHEN reminded THEN deadline END,
                      escalated_deadline = CASE WHEN breached THEN deadline END,
                      breach_count = CASE WHEN breached THEN 1 ELSE 0 END
                WHERE reminded OR breached"""
        )
    )
