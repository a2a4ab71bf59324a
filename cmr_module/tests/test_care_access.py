from odoo.tests import TransactionCase, new_test_user, tagged

from .common import CHATTER_FIELDS, RECORD_FIELDS, readable_fields

# What a portal user may read through RPC on the care models: what /my/care
# shows or needs to show it. Anything else carries groups= (the cost, the
# entitlement and tier behind a visit, staff notes, who delivers it).
PORTAL_READABLE = {
    "cmr.care.service": {
        "active",
        "color",
        "company_id",
        "currency_id",
        "delivery_mode",
        "description",
        "duration",
        "name",
        "sequence",
        "step_ids",
    },
    "cmr.care.service.step": {"name", "sequence", "service_id"},
    "cmr.care.visit": {
        *CHATTER_FIELDS,
        "access_token",
        "access_url",
        "access_warning",
        "activity_exception_decoration",
        "activity_exception_icon",
        "activity_type_icon",
        "checklist_done",
        "company_id",
        "currency_id",
        "date_end",
        "date_start",
        "delivery_mode",
        "done_date",
        "name",
        "outcome",
        "partner_id",
        "rating_count",
        "rating_percentage_satisfaction",
        "reason",
        "service_id",
        "state",
        "step_ids",
    },
    "cmr.care.visit.step": {"done", "name", "sequence", "visit_id"},
    "cmr.care.gift": {
        *CHATTER_FIELDS,
        "company_id",
        "currency_id",
        "date",
        "partner_id",
        "product_id",
        "state",
    },
}


@tagged("post_install", "-at_install")
class TestCareAccess(TransactionCase):
    def test_portal_reads_only_what_my_care_shows(self):
        user = new_test_user(
            self.env, login="cmr_care_fields_portal", groups="base.group_portal"
        )
        for model, allowed in PORTAL_READABLE.items():
            readable = readable_fields(self.env[model], user) - RECORD_FIELDS
            self.assertEqual(
                readable - CHATTER_FIELDS,
                allowed - CHATTER_FIELDS,
                f"{model}: fields a portal user reads through RPC",
            )
