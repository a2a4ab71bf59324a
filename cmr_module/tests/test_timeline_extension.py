"""Another addon adds a source to the timeline (as the care domain adds
visits and gifts): a ``_source_*`` method, its entry in ``_sources`` (with a
rank of its own: care has 100) and its kinds in ``_kinds``."""

from odoo import models
from odoo.tests import tagged
from odoo.tools import SQL

from .test_extension_points import RegistryExtensionMixin
from .timeline_common import CmrTimelineCase


class TimelineWithVisits(models.AbstractModel):
    _module = None
    _inherit = "cmr.timeline"

    def _sources(self):
        return dict(super()._sources(), visit=(110, "_source_visit"))

    def _kinds(self):
        return [*super()._kinds(), ("visit", "Visit", "visit")]

    def _source_visit(self, query):
        # Visits read from the contact log for the test: one statement.
        return self._fetch(
            query,
            SQL(
                """
                SELECT c.date AS date, c.id AS key, 'visit' AS kind,
                       'visit' AS channel, NULL AS who, 'Visit: ' || c.subject AS title,
                       NULL AS detail, NULL::numeric AS amount, NULL AS currency,
                       'cmr.contact' AS res_model, c.id AS res_id, FALSE AS internal
                  FROM cmr_contact c
                 WHERE c.partner_id = ANY(%s) AND c.subject = 'New catalogue'
                """,
                query.partner_ids,
            ),
        )


@tagged("post_install", "-at_install")
class TestTimelineExtension(RegistryExtensionMixin, CmrTimelineCase):
    def test_an_addon_adds_a_source(self):
        self.extend_registry(TimelineWithVisits)
        events = self.all_events(kinds=["visit"])
        self.assertEqual([e["summary"] for e in events], ["Visit: New catalogue"])
        self.assertEqual(events[0]["kind_label"], "Visit")
        everything = self.all_events()
        self.assertIn("visit", {e["kind"] for e in everything})
