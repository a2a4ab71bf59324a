from odoo import fields
from odoo.tests import common, tagged

from .common import RaceMixin, committed_env


@tagged("post_install", "-at_install")
class TestComplaintConcurrency(RaceMixin, common.BaseCase):
    """Two requests on the same complaint at the same moment, each in its own
    transaction: the second waits for the first, is retried the way Odoo
    retries a request after a serialization failure, and is refused."""

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            agent = env.ref("cmr_module.cmr_user_agent_li")
            customer = env.ref("cmr_module.cmr_partner_wang_ming")
            complaint = env["cmr.complaint"].create(
                {
                    "subject": "Concurrency complaint",
                    "partner_id": customer.id,
                    "user_id": agent.id,
                    "reply_channel_id": env.ref("cmr_module.cmr_channel_wechat").id,
                }
            )
            # Agents of the demo may grant 200 per complaint on their own.
            compensations = env["cmr.complaint.compensation"].create(
                [
                    {
                        "complaint_id": complaint.id,
                        "kind": "gift",
                        "description": f"Voucher {index}",
                        "amount": 150,
                    }
                    for index in range(2)
                ]
            )
            self.agent_id = agent.id
            self.customer_id = customer.id
            self.complaint_id = complaint.id
            self.compensation_ids = compensations.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        # Complaints refuse deletes through the ORM: remove the test rows in SQL.
        with committed_env() as env:
            cr = env.cr
            ids = (self.complaint_id,)
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'cmr.complaint' "
                "AND res_id IN %s",
                [ids],
            )
            cr.execute(
                "DELETE FROM mail_followers WHERE res_model = 'cmr.complaint' "
                "AND res_id IN %s",
                [ids],
            )
            cr.execute(
                "DELETE FROM mail_activity WHERE res_model = 'cmr.complaint' "
                "AND res_id IN %s",
                [ids],
            )
            cr.execute(
                "DELETE FROM rating_rating WHERE res_model = 'cmr.complaint' "
                "AND res_id IN %s",
                [ids],
            )
            cr.execute(
                "DELETE FROM cmr_complaint_compensation WHERE complaint_id IN %s",
                [ids],
            )
            cr.execute("DELETE FROM cmr_complaint WHERE id IN %s", [ids])

    def _race(self, first, second):
        """The second request's outcome: refused once, then retried."""
        outcome = self.race(first, second, uid=self.agent_id)
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        return outcome.get("error", "done")

    def test_two_grants_cannot_exceed_the_authority_limit(self):
        first_id, second_id = self.compensation_ids

        def grant(compensation_id):
            def run(env):
                env["cmr.complaint.compensation"].browse(compensation_id).action_grant()

            return run

        result = self._race(grant(first_id), grant(second_id))
        self.assertIn("above your authority limit", result)
        with committed_env() as env:
            lines = env["cmr.complaint.compensation"].browse(self.compensation_ids)
            self.assertEqual(lines.mapped("state"), ["granted", "draft"])

    def test_two_ratings_cannot_both_be_stored(self):
        with committed_env() as env:
            env["cmr.complaint"].browse(self.complaint_id)._workflow_write(
                {"state": "closed", "close_date": fields.Datetime.now()}
            )

        def rate(score, feedback):
            def run(env):
                complaint = env["cmr.complaint"].browse(self.complaint_id).sudo()
                complaint._rate(complaint.partner_id, score, feedback)

            return run

        result = self._race(rate(5, "First"), rate(1, "Second"))
        self.assertIn("already rated", result)
        with committed_env() as env:
            ratings = env["rating.rating"].search(
                [
                    ("res_model", "=", "cmr.complaint"),
                    ("res_id", "=", self.complaint_id),
                    ("consumed", "=", True),
                ]
            )
            self.assertEqual(ratings.mapped("feedback"), ["First"])
