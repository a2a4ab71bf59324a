from odoo.tests import TransactionCase, new_test_user, tagged

from .common import CHATTER_FIELDS, RECORD_FIELDS, readable_fields

# What a portal user reads through RPC on their exports and erasure requests.
PORTAL_READABLE = {
    "cmr.privacy.export": {
        "attachment_id",
        "company_id",
        "date_done",
        "partner_id",
        "record_count",
        "requested_by_id",
        "state",
    },
    "cmr.privacy.erasure": {
        "activity_exception_decoration",
        "activity_exception_icon",
        "activity_type_icon",
        "company_id",
        "date_requested",
        "due_date",
        "name",
        "origin",
        "partner_id",
        "pseudonym",
        "refusal_reason",
        "requested_by_id",
        "review_date",
        "state",
    },
}


@tagged("post_install", "-at_install")
class TestPrivacyFields(TransactionCase):
    def test_portal_reads_only_what_the_portal_shows(self):
        user = new_test_user(
            self.env, login="cmr_privacy_fields", groups="base.group_portal"
        )
        for model, allowed in PORTAL_READABLE.items():
            readable = (
                readable_fields(self.env[model], user) - RECORD_FIELDS - CHATTER_FIELDS
            )
            self.assertEqual(readable, allowed, model)
