from odoo.tools import SQL


def migrate(cr, version):
    """Closed complaints already rated keep their rating as the rating of
    their closing (once per closing): the latest rating consumed since they
    were closed, as the former check read it."""
    cr.execute(
        SQL(
            """UPDATE cmr_complaint c
                  SET closing_rating_id = (
                          SELECT r.id FROM rating_rating r
                           WHERE r.res_model = 'cmr.complaint'
                             AND r.res_id = c.id
                             AND r.consumed
                             AND r.write_date >= c.close_date
                        ORDER BY r.write_date DESC, r.id DESC
                           LIMIT 1)
                WHERE c.state = 'closed'
                  AND c.close_date IS NOT NULL
                  AND c.closing_rating_id IS NULL"""
        )
    )
