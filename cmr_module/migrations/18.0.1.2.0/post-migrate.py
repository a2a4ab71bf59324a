from odoo.tools import SQL


def migrate(cr, version):
    """Customers who already chose channels or topics (rows, or ledger lines
    about them) keep their choice when it is empty: no fall back to the
    defaults."""
    cr.execute(
        SQL(
            """UPDATE res_partner p
                  SET cmr_channels_chosen = true
                WHERE EXISTS (SELECT 1 FROM cmr_channel_preference cp
                               WHERE cp.partner_id = p.id)
                   OR EXISTS (SELECT 1 FROM cmr_charter_log l
                               WHERE l.partner_id = p.id
                                 AND l.channel_id IS NOT NULL)"""
        )
    )
    cr.execute(
        SQL(
            """UPDATE res_partner p
                  SET cmr_topics_chosen = true
                WHERE EXISTS (SELECT 1 FROM cmr_topic_res_partner_rel r
                               WHERE r.partner_id = p.id)
                   OR EXISTS (SELECT 1 FROM cmr_charter_log l
                               WHERE l.partner_id = p.id
                                 AND l.topic_id IS NOT NULL)"""
        )
    )
