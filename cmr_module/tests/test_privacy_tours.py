from odoo.tests import new_test_user, tagged

from .common import CmrPortalCase


@tagged("post_install", "-at_install")
class TestPrivacyTours(CmrPortalCase):
    """The journeys in Chromium: a customer files a suggestion and downloads
    their data; a CMR Manager approves an erasure."""

    def test_tour_customer_suggests_and_downloads(self):
        self.start_tour("/my", "cmr_portal_suggest_and_export", login=self.user_a.login)
        suggestion = self.env["cmr.suggestion"].search(
            [("partner_id", "=", self.partner_a.id)]
        )
        self.assertEqual(suggestion.name, "Evening pick-up at the counter")
        self.assertTrue(suggestion.is_public)
        export = self.env["cmr.privacy.export"].search(
            [("partner_id", "=", self.partner_a.commercial_partner_id.id)]
        )
        self.assertEqual(export.state, "queued")
        self.env.ref("cmr_module.ir_cron_cmr_privacy_export").method_direct_trigger()
        self.assertEqual(export.state, "done")
        self.start_tour(
            "/my/privacy", "cmr_portal_download_export", login=self.user_a.login
        )

    def test_tour_manager_approves_erasure(self):
        manager = new_test_user(
            self.env,
            login="cmr_erasure_manager",
            groups="base.group_user,cmr_module.group_cmr_manager",
            name="Erasure Manager",
        )
        self.env["cmr.complaint"].create(
            {
                "subject": "Still open",
                "partner_id": self.partner_b.id,
                "reply_channel_id": self.wechat.id,
            }
        )
        erasure = self.env["cmr.privacy.erasure"]._request(self.partner_b, "portal")
        self.start_tour(
            f"/odoo/action-cmr_module.cmr_privacy_erasure_action/{erasure.id}",
            "cmr_backend_erasure_approve",
            login=manager.login,
        )
        self.assertEqual(erasure.state, "done")
        self.assertEqual(erasure.reviewer_id, manager)
        self.assertTrue(self.partner_b.cmr_erased)
