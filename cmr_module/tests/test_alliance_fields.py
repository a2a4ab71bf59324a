from odoo.tests import tagged

from .alliance_common import AllianceCase
from .common import CHATTER_FIELDS, RECORD_FIELDS, readable_fields

# Fields of every record the framework gives (identity, audit, archiving,
# company and currency for amounts, the chatter of mail.thread, whose
# messages follow mail's own access rules).
FRAMEWORK = RECORD_FIELDS | CHATTER_FIELDS | {"active", "company_id", "currency_id"}
# What the member's cards pages and the merchant's counter show, per model.
PORTAL_SHOWS = {
    # (The sequence orders the alliances the portal lists.)
    "cmr.alliance": {"sequence", "name", "rules", "benefit_ids"},
    "cmr.alliance.benefit": {"alliance_id", "sequence", "name", "description"},
    "cmr.alliance.merchant": {
        "alliance_id",
        "partner_id",
        "date_start",
        "date_end",
        "earn_rate",
        "redeem_rate",
        "settlement_rate",
        "service_ids",
    },
    "cmr.membership": {
        "card_number",
        "partner_id",
        "alliance_id",
        "state",
        "date_end",
        "balance",
        "benefit_ids",
        "has_pin",
        "line_ids",
    },
    "cmr.points.line": {
        "membership_id",
        "card_number",
        "member_name",
        "merchant_id",
        "kind",
        "points",
        "date",
        "amount",
        "reference",
        "reason",
    },
    "cmr.settlement": {
        "name",
        "merchant_id",
        "date_from",
        "date_to",
        "points_earned",
        "points_redeemed",
        "amount_due_by_merchant",
        "amount_due_to_merchant",
    },
    # Not readable at all by portal users.
    "cmr.points.allocation": None,
    "cmr.membership.code": None,
}


@tagged("post_install", "-at_install")
class TestAllianceFields(AllianceCase):
    def test_portal_users_read_only_what_the_portal_shows(self):
        """Through RPC a portal user (member or merchant) reads the fields
        the portal shows them and no other: the rest carries groups."""
        for user in (self.member_user, self.merchant_user_a):
            for model, shown in PORTAL_SHOWS.items():
                Model = self.env[model].with_user(user)
                if shown is None:
                    self.assertFalse(Model.has_access("read"), model)
                    continue
                readable = readable_fields(self.env[model], user)
                self.assertEqual(
                    readable - FRAMEWORK,
                    shown,
                    f"{model} as {user.login}: fields readable but not shown "
                    f"{sorted(readable - FRAMEWORK - shown)}, shown but not "
                    f"readable {sorted(shown - readable)}",
                )

    def test_member_reads_own_card_through_rpc(self):
        """What the allow-list lets a member read, they can read: their card's
        benefits included (computed from the company's tier configuration)."""
        shown = sorted(PORTAL_SHOWS["cmr.membership"])
        cards = (
            self.env["cmr.membership"]
            .with_user(self.member_user)
            .search_read([], shown)
        )
        self.assertTrue(cards)
        self.assertEqual(
            {card["id"] for card in cards},
            set(self.member_user.partner_id.cmr_membership_ids.ids),
        )
