from odoo.tests import TransactionCase, new_test_user, tagged

from .common import RECORD_FIELDS, readable_fields
from .test_alliance_fields import PORTAL_SHOWS as ALLIANCE_PORTAL_SHOWS
from .test_care_access import PORTAL_READABLE as CARE_PORTAL_READABLE
from .test_complaint_access_hardening import (
    PORTAL_READABLE as COMPLAINT_PORTAL_READABLE,
)
from .test_privacy_fields import PORTAL_READABLE as PRIVACY_PORTAL_READABLE
from .test_suggestion_fields import PORTAL_READABLE as SUGGESTION_PORTAL_READABLE

# What a portal user may read through RPC on the charter and tier models:
# the fields the portal pages show, or need to show them. A field that is
# not here must carry groups=. Alliances and complaints keep their own
# lists beside their tests (test_alliance_fields, test_complaint_access_
# hardening); this test makes sure no portal-readable model is left out.
PORTAL_READABLE = {
    "cmr.channel": {
        "accepted_by_default",
        "active",
        "code",
        "delivery",
        "name",
        "sequence",
    },
    "cmr.channel.preference": {
        "cap_month",
        "cap_week",
        "channel_id",
        "partner_id",
        "sequence",
    },
    "cmr.charter.log": {
        "channel_id",
        "company_id",
        "consent",
        "date",
        "field_name",
        "item",
        "item_label",
        "new_key",
        "new_value",
        "new_value_label",
        "old_key",
        "old_value",
        "old_value_label",
        "partner_id",
        "source",
        "topic_id",
        "user_id",
    },
    "cmr.contact": {
        "body",
        "channel_id",
        "company_id",
        "date",
        "partner_id",
        "scheduled_date",
        "state",
        "subject",
        "topic_id",
    },
    "cmr.contact.window": {"hour_from", "hour_to", "partner_id", "weekday"},
    "cmr.important.date": {"date", "name", "partner_id", "yearly"},
    "cmr.interest": {"active", "color", "name", "sequence"},
    "cmr.quiet.day": {"date", "name", "partner_id"},
    "cmr.topic": {
        "active",
        "code",
        "description",
        "name",
        "sequence",
        "wanted_by_default",
    },
    "cmr.tier.ladder": {
        "active",
        "company_id",
        "currency_id",
        "method",
        "name",
        "tier_ids",
        "window_months",
    },
    "cmr.tier": {
        "benefits",
        "bound",
        "color",
        "company_id",
        "currency_id",
        "ladder_id",
        "method",
        "name",
        "sequence",
    },
    "cmr.partner.tier": {
        "breakdown",
        "breakdown_html",
        "company_id",
        "currency_id",
        "gap_revenue",
        "gap_score",
        "history_ids",
        "ladder_id",
        "lock_tier_id",
        "lock_until",
        "next_tier_id",
        "partner_id",
        "score",
        "tier_color",
        "tier_id",
        "upgrade_path",
    },
    "cmr.tier.history": {
        "company_id",
        "currency_id",
        "customer_count",
        "date",
        "direction",
        "from_tier_id",
        "ladder_id",
        "partner_id",
        "reason",
        "to_tier_id",
        "upgrade_path",
    },
}


@tagged("post_install", "-at_install")
class TestPortalFields(TransactionCase):
    """A portal user reads through RPC only what the portal shows."""

    def test_every_portal_readable_model_has_an_allow_list(self):
        portal = self.env.ref("base.group_portal")
        access = self.env["ir.model.access"].search(
            [
                ("group_id", "=", portal.id),
                ("perm_read", "=", True),
                ("model_id.model", "=like", "cmr.%"),
            ]
        )
        listed = (
            set(PORTAL_READABLE)
            | {model for model, shown in ALLIANCE_PORTAL_SHOWS.items() if shown}
            | set(COMPLAINT_PORTAL_READABLE)
            | set(CARE_PORTAL_READABLE)
            | set(SUGGESTION_PORTAL_READABLE)
            | set(PRIVACY_PORTAL_READABLE)
        )
        self.assertEqual(
            set(access.mapped("model_id.model")),
            listed,
            "a model readable by the portal needs an allow-list of its fields",
        )

    def test_charter_and_tier_fields_match_the_allow_list(self):
        user = new_test_user(
            self.env, login="cmr_fields_portal", groups="base.group_portal"
        )
        for model, allowed in PORTAL_READABLE.items():
            readable = readable_fields(self.env[model], user) - RECORD_FIELDS
            self.assertEqual(
                readable,
                allowed,
                f"{model}: fields a portal user reads through RPC",
            )
