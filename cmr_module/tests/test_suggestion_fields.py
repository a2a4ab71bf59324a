from odoo.tests import TransactionCase, new_test_user, tagged

from .common import CHATTER_FIELDS, RECORD_FIELDS, readable_fields

# What a portal user reads through RPC on a suggestion: what the portal
# shows. Never who suggested a public idea (partner_id is staff's).
PORTAL_READABLE = {
    "cmr.suggestion": {
        "access_token",
        "access_url",
        "access_warning",
        "activity_exception_decoration",
        "activity_exception_icon",
        "activity_type_icon",
        "answer",
        "answer_date",
        "category",
        "company_id",
        "date_submitted",
        "decision_date",
        "description",
        "is_mine",
        "is_public",
        "name",
        "stage",
        "support_count",
    },
}


@tagged("post_install", "-at_install")
class TestSuggestionFields(TransactionCase):
    def test_portal_reads_only_what_the_portal_shows(self):
        user = new_test_user(
            self.env, login="cmr_sugg_fields", groups="base.group_portal"
        )
        for model, allowed in PORTAL_READABLE.items():
            readable = (
                readable_fields(self.env[model], user) - RECORD_FIELDS - CHATTER_FIELDS
            )
            self.assertEqual(readable, allowed, model)
