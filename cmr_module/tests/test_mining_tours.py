from odoo.tests import new_test_user, tagged

from .common import CmrPortalCase


@tagged("post_install", "-at_install")
class TestMiningTours(CmrPortalCase):
    """The mining center's journey in Chromium: a CMR Manager (not an
    administrator) drills down from the customers at risk and churned into
    a churned customer and records why they left."""

    def test_tour_manager_records_a_churn_reason(self):
        manager = new_test_user(
            self.env,
            login="cmr_mining_tour_manager",
            groups="base.group_user,cmr_module.group_cmr_manager",
            name="Mining Manager",
        )
        bakery = self.env["res.partner"].create(
            {"name": "Tour Churned Bakery", "is_company": True}
        )
        self.env["cmr.mining.activity"].create(
            {
                "partner_id": bakery.id,
                "company_id": self.env.company.id,
                "state": "churned",
                "last_purchase_date": "2025-01-15",
                "purchase_count": 12,
            }
        )
        self.start_tour(
            "/odoo/action-cmr_module.cmr_mining_activity_action_at_risk",
            "cmr_backend_mining_churn_reason",
            login=manager.login,
        )
        record = self.env["cmr.mining.churn.record"].search(
            [("partner_id", "=", bakery.id)]
        )
        self.assertEqual(
            record.reason_id, self.env.ref("cmr_module.cmr_churn_reason_competitor")
        )
        self.assertEqual(record.note, "Cheaper flour across the street")
        self.assertEqual(record.user_id, manager)
        self.assertEqual(record.state, "churned")
        self.assertEqual(record.source, "staff")
