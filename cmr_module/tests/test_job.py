from unittest.mock import patch

import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.tests import common, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RaceMixin, committed_env, run_queued
from .tier_common import CmrTierCase


@tagged("post_install", "-at_install")
class TestQueuedRuns(CmrTierCase):
    """Long buttons queue their work (cmr.job) and return at once; the
    background run does it as the user who asked and tells them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="cmr_job_manager", groups="cmr_module.group_cmr_manager"
        )
        cls.agent = new_test_user(
            cls.env, login="cmr_job_agent", groups="cmr_module.group_cmr_user"
        )
        cls.cron = cls.env.ref("cmr_module.ir_cron_cmr_job")

    def queue_reevaluation(self, user=None):
        action = self.ladder.with_user(user or self.manager).action_reevaluate()
        return self.env["cmr.job"].browse(action["res_id"])

    def test_button_queues_and_triggers_the_runner(self):
        triggers = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )
        runs = self.env["cmr.tier.run"].search_count([])
        job = self.queue_reevaluation()
        self.assertEqual(job.state, "queued")
        self.assertEqual(job.user_id, self.manager)
        self.assertEqual(self.env["cmr.tier.run"].search_count([]), runs)
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]),
            triggers + 1,
        )
        # The asker follows the run: its end reaches their inbox.
        self.assertIn(self.manager.partner_id, job.message_partner_ids)

    def test_second_click_finds_the_open_run(self):
        job = self.queue_reevaluation()
        self.assertEqual(self.queue_reevaluation(), job)
        run_queued(self.env, job._action_open())
        # Once done, a new click queues a new run.
        self.assertNotEqual(self.queue_reevaluation(), job)

    def test_runner_does_the_work_as_the_asker_and_notifies_them(self):
        customer = self._customer("Job")
        self._invoice(customer, 2, 40000)
        job = self.queue_reevaluation()
        with patch.object(
            self.registry["res.users"], "_bus_send", autospec=True
        ) as bus_send:
            self.env["cmr.job"]._cron_run()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.progress, 100.0)
        run = self.env["cmr.tier.run"].browse(job.result_ids)
        self.assertEqual(run.user_id, self.manager)
        self.assertEqual(self._standing(customer).tier_id, self.gold)
        message = job.message_ids.filtered(lambda m: m.subject)[:1]
        self.assertIn("done", message.subject)
        self.assertIn(self.manager.partner_id, message.partner_ids)
        # A notification pops up in the asker's browser.
        (user, kind, payload), _kwargs = bus_send.call_args
        self.assertEqual((user, kind), (self.manager, "simple_notification"))
        self.assertEqual(payload["type"], "success")
        # The result opens from the run.
        action = job.with_user(self.manager).action_view_result()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("cmr.tier.run", run.id)
        )

    def test_a_refused_step_fails_the_run_and_writes_nothing(self):
        job = self.queue_reevaluation()
        # The ladder lost its tiers after the click: the run is refused.
        self.ladder.criterion_ids.unlink()
        runs = self.env["cmr.tier.run"].search_count([])
        self.env["cmr.job"]._cron_run()
        self.assertEqual(job.state, "failed")
        self.assertIn("criteria", job.summary)
        self.assertEqual(self.env["cmr.tier.run"].search_count([]), runs)
        self.assertIn(
            "failed", job.message_ids.filtered(lambda m: m.subject)[0].subject
        )
        # Nothing left to do: the runner reports it and stops.
        self.assertFalse(self.env["cmr.job"]._next_job())

    def test_only_managers_queue_and_users_see_only_their_runs(self):
        with self.assertRaises(UserError):
            self.queue_reevaluation(self.agent)
        job = self.queue_reevaluation()
        with self.assertRaises(AccessError):
            job.with_user(self.agent).read(["name"])
        # Nobody writes a run by hand, not even its asker.
        with self.assertRaises(AccessError):
            job.with_user(self.manager).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.env["cmr.job"].with_user(self.manager).create(
                {"name": "x", "res_model": "res.partner", "method": "_job_x"}
            )
        self.assertEqual(
            job.with_user(self.manager).read(["state"])[0]["state"], "queued"
        )

    def test_an_unexpected_error_fails_its_run_and_the_next_one_runs(self):
        broken = self.env["cmr.job"]._enqueue(
            "Broken", self.env["cmr.settlement"], "_job_settle", payload={}
        )
        job = self.queue_reevaluation()
        with mute_logger("odoo.addons.cmr_module.models.cmr_job"):
            self.env["cmr.job"]._cron_run()
        self.assertEqual(broken.state, "failed")
        self.assertIn("unexpected error", broken.summary)
        self.env["cmr.job"]._cron_run()
        self.assertEqual(job.state, "done")

    def test_a_step_refused_by_a_concurrent_update_is_tried_again(self):
        job = self.queue_reevaluation()
        Ladder = self.registry["cmr.tier.ladder"]
        with patch.object(
            Ladder,
            "_job_reevaluate",
            side_effect=psycopg2.errors.SerializationFailure,
        ):
            self.env["cmr.job"]._cron_run()
            self.assertEqual((job.state, job.attempt_count), ("running", 1))
            for _attempt in range(5):
                self.env["cmr.job"]._cron_run()
        self.assertEqual(job.state, "failed")
        self.assertIn("attempts", job.summary)

    def test_the_work_sees_the_companies_selected_when_asked(self):
        other = self.env["res.company"].create({"name": "Second CMR company"})
        self.manager.company_ids |= other
        seen = {}

        def probe(records, job):
            seen["companies"] = records.env.companies.ids
            seen["user"] = records.env.user
            seen["su"] = records.env.su
            return True

        Ladder = self.registry["cmr.tier.ladder"]
        with patch.object(Ladder, "_job_probe", probe, create=True):
            job = (
                self.env["cmr.job"]
                .with_user(self.manager)
                .with_context(allowed_company_ids=[self.company.id, other.id])
                ._enqueue("Probe", self.ladder, "_job_probe")
            )
            job.sudo()._run_step()
        self.assertEqual(job.sudo().state, "done")
        self.assertEqual(sorted(seen["companies"]), sorted([self.company.id, other.id]))
        self.assertEqual(seen["user"], self.manager)
        self.assertFalse(seen["su"])

    def test_only_job_methods_run(self):
        job = self.env["cmr.job"].create(
            {"name": "Evil", "res_model": "res.partner", "method": "unlink"}
        )
        job._run_step()
        self.assertEqual(job.state, "failed")
        with self.assertRaises(ValueError):
            self.env["cmr.job"]._enqueue("x", self.ladder, "unlink")


@tagged("post_install", "-at_install")
class TestQueuedRunRace(RaceMixin, common.BaseCase):
    """Two clicks at the same moment queue one run."""

    def test_two_clicks_at_once_queue_one_run(self):
        with committed_env() as env:
            ladder = env["cmr.tier.ladder"]._get_current(env.ref("base.main_company"))
            admin = env.ref("base.user_admin").id
        if not ladder:
            self.skipTest("no demo ladder")
        self.addCleanup(self._cleanup, ladder.id)

        def click(env):
            return (
                env["cmr.tier.ladder"].browse(ladder.id).action_reevaluate()["res_id"]
            )

        with mute_logger("odoo.sql_db"):
            outcome = self.race(click, uid=admin)
        self.assertIn("already queued", outcome.get("error", ""), outcome)
        with committed_env() as env:
            self.assertEqual(
                env["cmr.job"].search_count([("method", "=", "_job_reevaluate")]),
                1,
            )

    def test_two_runners_never_step_the_same_run(self):
        """The scheduled action and its manual twin (Run Manually) at the
        same moment: the second one skips the run the first is stepping."""
        with committed_env() as env:
            ladder = env["cmr.tier.ladder"]._get_current(env.ref("base.main_company"))
            if not ladder:
                self.skipTest("no demo ladder")
            job = env["cmr.job"]._enqueue("Race", ladder, "_job_reevaluate")
        self.addCleanup(self._cleanup, ladder.id)
        with committed_env() as first, committed_env() as second:
            self.assertEqual(first["cmr.job"]._next_job().id, job.id)
            self.assertFalse(second["cmr.job"]._next_job())
            first.cr.rollback()

    def _cleanup(self, ladder_id):
        with committed_env() as env:
            env.cr.execute(
                "DELETE FROM cmr_job WHERE res_model = 'cmr.tier.ladder' "
                "AND method = '_job_reevaluate'"
            )
