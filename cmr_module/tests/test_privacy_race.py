from odoo.tests import common, tagged

from .common import RaceMixin, committed_env


@tagged("post_install", "-at_install")
class TestPrivacyRace(RaceMixin, common.BaseCase):
    """Two requests of the same customer at the same moment: one export
    being prepared, one erasure request open, whatever the timing."""

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            self.partner_id = env["res.partner"].create({"name": "Race Privacy"}).id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with committed_env() as env:
            cr = env.cr
            cr.execute(
                "DELETE FROM cmr_privacy_export WHERE partner_id = %s",
                [self.partner_id],
            )
            cr.execute(
                "DELETE FROM cmr_privacy_erasure_log WHERE erasure_id IN "
                "(SELECT id FROM cmr_privacy_erasure WHERE partner_id = %s)",
                [self.partner_id],
            )
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'cmr.privacy.erasure' AND "
                "res_id IN (SELECT id FROM cmr_privacy_erasure WHERE partner_id = %s)",
                [self.partner_id],
            )
            cr.execute(
                "DELETE FROM cmr_privacy_erasure WHERE partner_id = %s",
                [self.partner_id],
            )
            cr.execute("DELETE FROM res_partner WHERE id = %s", [self.partner_id])

    def _count(self, table):
        with committed_env() as env:
            env.cr.execute(
                f"SELECT COUNT(*) FROM {table} WHERE partner_id = %s",  # noqa: S608
                [self.partner_id],
            )
            return env.cr.fetchone()[0]

    def test_two_exports_at_once(self):
        def request(env):
            partner = env["res.partner"].browse(self.partner_id)
            return env["cmr.privacy.export"]._request(partner).id

        outcome = self.race(request)
        self.assertTrue(outcome["first"])
        self.assertIn("already being prepared", outcome.get("error", ""), outcome)
        self.assertEqual(self._count("cmr_privacy_export"), 1)

    def test_two_erasure_requests_at_once(self):
        def request(env):
            partner = env["res.partner"].browse(self.partner_id)
            return env["cmr.privacy.erasure"]._request(partner, "portal").id

        outcome = self.race(request)
        self.assertTrue(outcome["first"])
        self.assertIn("already open", outcome.get("error", ""), outcome)
        self.assertEqual(self._count("cmr_privacy_erasure"), 1)
