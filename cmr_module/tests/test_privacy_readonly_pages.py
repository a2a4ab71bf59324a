from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestStoryPagesReadOnly(HttpCase):
    """The timeline, suggestion and privacy pages only read: they run on a
    read-only cursor (a read replica when there is one); a write there
    would be logged and the page run again read/write."""

    def _get_all(self, urls):
        for url in urls:
            with self.subTest(url=url), self.assertNoLogs("odoo.http", "WARNING"):
                response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)

    def test_customer_pages_never_write(self):
        if not self.env.ref("cmr_module.cmr_user_portal_wang_ming", False):
            self.skipTest("no demo data")
        wang = self.env.ref("cmr_module.cmr_partner_wang_ming")
        export = self.env["cmr.privacy.export"]._request(wang)
        self.env.ref("cmr_module.ir_cron_cmr_privacy_export").method_direct_trigger()
        sleeves = self.env.ref("cmr_module.cmr_suggestion_demo_sleeves")
        edi = self.env.ref("cmr_module.cmr_suggestion_demo_edi")
        self.authenticate("portal.wechat", "portal.wechat")
        self._get_all(
            [
                "/my/timeline",
                "/my/timeline?kind=invoice",
                "/my/suggestions",
                "/my/suggestions?scope=public",
                "/my/suggestions/new",
                f"/my/suggestions/{sleeves.id}",
                f"/my/suggestions/{edi.id}",
                "/my/privacy",
                f"/my/privacy/export/{export.id}/download",
            ]
        )
        with self.assertNoLogs("odoo.http", "WARNING"):
            self.make_jsonrpc_request(
                "/my/counters", {"counters": ["cmr_suggestion_count"]}
            )
