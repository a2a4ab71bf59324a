from odoo.tools import SQL


def migrate(cr, version):
    """Complaints and the files of their messages have their access tokens
    from now on when they are made: the customer's complaint page, which
    made the missing ones, only reads (and may be served by a replica)."""
    cr.execute(
        SQL(
            "UPDATE cmr_complaint SET access_token = gen_random_uuid()::text "
            "WHERE access_token IS NULL"
        )
    )
    cr.execute(
        SQL(
            """UPDATE ir_attachment a
                  SET access_token = gen_random_uuid()::text
                 FROM message_attachment_rel rel
                 JOIN mail_message m ON m.id = rel.message_id
                WHERE rel.attachment_id = a.id
                  AND m.model = 'cmr.complaint'
                  AND a.access_token IS NULL"""
        )
    )
