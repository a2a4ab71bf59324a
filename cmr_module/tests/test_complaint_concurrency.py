import threading
import time
from contextlib import contextmanager

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import common, tagged


@contextmanager
def environment(uid=SUPERUSER_ID):
    """An environment on a new cursor, committed and closed at the end."""
    registry = Registry(common.get_db_name())
    with registry.cursor() as cr:
        yield api.Environment(cr, uid, {})


@tagged("post_install", "-at_install")
class TestComplaintConcurrency(common.BaseCase):
    """Two requests on the same complaint at the same moment, each in its own
    transaction: the second waits for the first, is retried the way Odoo
    retries a request after a serialization failure, and is refused."""

    def setUp(self):
        super().setUp()
        with environment() as env:
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
        with environment() as env:
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
        """Run ``first`` in a transaction kept open while ``second`` starts in
        another one (retried like a request); return the second's outcome."""
        outcome = {}
        first_done = threading.Event()

        def second_request():
            try:
                with environment(self.agent_id) as env:

                    def attempt():
                        outcome["attempts"] = outcome.get("attempts", 0) + 1
                        second(env)

                    try:
                        retrying(attempt, env)
                        outcome["result"] = "done"
                    except UserError as error:
                        outcome["result"] = str(error)
                    outcome["waited_for_first"] = first_done.is_set()
            except Exception as error:  # noqa: BLE001 - reported by the test
                outcome["result"] = repr(error)

        with environment(self.agent_id) as env:
            first(env)
            env.flush_all()
            thread = threading.Thread(target=second_request)
            thread.start()
            time.sleep(1.0)
            self.assertTrue(thread.is_alive(), "the second request must wait")
            first_done.set()
        # Leaving the block committed the first request and freed the row.
        thread.join(timeout=30)
        self.assertFalse(thread.is_alive())
        self.assertTrue(outcome["waited_for_first"])
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        return outcome["result"]

    def test_two_grants_cannot_exceed_the_authority_limit(self):
        first_id, second_id = self.compensation_ids

        def grant(compensation_id):
            def run(env):
                env["cmr.complaint.compensation"].browse(compensation_id).action_grant()

            return run

        result = self._race(grant(first_id), grant(second_id))
        self.assertIn("above your authority limit", result)
        with environment() as env:
            lines = env["cmr.complaint.compensation"].browse(self.compensation_ids)
            self.assertEqual(lines.mapped("state"), ["granted", "draft"])

    def test_two_ratings_cannot_both_be_stored(self):
        with environment() as env:
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
        with environment() as env:
            ratings = env["rating.rating"].search(
                [
                    ("res_model", "=", "cmr.complaint"),
                    ("res_id", "=", self.complaint_id),
                    ("consumed", "=", True),
                ]
            )
            self.assertEqual(ratings.mapped("feedback"), ["First"])
