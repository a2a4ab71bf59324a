from odoo.tools import SQL


def migrate(cr, version):
    """Complaints and the files of their messages have their access tokens
    from now on when they are made: the customer's complaint page, which
    made the missing ones, only reads (and may be served by a replica)."""
    cr.execute(
        SQL(
            # uuid_in(md5(…)): a random UUID without gen_random_uuid (PG 13+).
            "UPDATE cmr_complaint SET access_token = "
            "uuid_in(md5(random()::text || id::text)::cstring)::text "
            "WHERE access_token IS NULL"
        )
    )
    cr.execute(
        SQL(
            """UPDATE ir_attachment a
                  SET access_token =
                      uuid_in(md5(random()::text || a.id::text)::cstring)::text
                 FROM message_attachment_rel rel
                 JOIN mail_message m ON m.id = rel.message_id
                WHERE rel.attachment_id = a.id
                  AND m.model = 'cmr.complaint'
                  AND a.access_token IS NULL"""
        )
    )
