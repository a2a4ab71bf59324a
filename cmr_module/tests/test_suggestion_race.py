from odoo.tests import common, tagged

from .common import RaceMixin, committed_env


@tagged("post_install", "-at_install")
class TestSuggestionRace(RaceMixin, common.BaseCase):
    """Two supports of the same customer at the same moment: one is kept."""

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            author = env["res.partner"].create({"name": "Race Author"})
            fan = env["res.partner"].create({"name": "Race Fan"})
            suggestion = env["cmr.suggestion"]._portal_submit(
                author,
                {
                    "name": "Race idea",
                    "description": "Both at once",
                    "category": "product",
                    "is_public": True,
                },
            )
            self.ids = (author.id, fan.id, suggestion.id)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        author_id, fan_id, suggestion_id = self.ids
        with committed_env() as env:
            env.cr.execute("DELETE FROM cmr_suggestion WHERE id = %s", [suggestion_id])
            env.cr.execute(
                "DELETE FROM res_partner WHERE id IN %s", [(author_id, fan_id)]
            )

    def test_support_twice_at_once(self):
        _author_id, fan_id, suggestion_id = self.ids

        def support(env):
            suggestion = env["cmr.suggestion"].browse(suggestion_id)
            return suggestion._portal_support(env["res.partner"].browse(fan_id))

        outcome = self.race(support)
        self.assertTrue(outcome["first"])
        self.assertIn("already support", outcome.get("error", ""), outcome)
        with committed_env() as env:
            suggestion = env["cmr.suggestion"].browse(suggestion_id)
            self.assertEqual(suggestion.support_count, 1)
            self.assertEqual(
                env["cmr.suggestion.support"].search_count(
                    [("suggestion_id", "=", suggestion_id)]
                ),
                1,
            )
