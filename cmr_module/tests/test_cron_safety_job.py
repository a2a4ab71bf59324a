import threading
from unittest.mock import patch

from odoo.tests import common, tagged

from .common import committed_env


class Killed(BaseException):  # noqa: N818 - a worker killed, not an error
    """The worker is killed in the middle of a step (real time limit): no
    ``except Exception`` sees it, the transaction is simply lost."""


@tagged("post_install", "-at_install")
class TestCronSafetyJob(common.BaseCase):
    """The background-run runner (``ir_cron_cmr_job``) in real, committed
    transactions, as two cron workers run it: a step commits its attempt
    count first (so a run killed by the time limit ends), which frees the
    job's row; the step still runs under the row's lock only."""

    def setUp(self):
        super().setUp()
        self._cleanup_steps()
        with committed_env() as env:
            open_jobs = env["cmr.job"].search_count(
                [("state", "in", ("queued", "running"))]
            )
            self.assertFalse(open_jobs, "another run is queued in this database")
            admin = env.ref("base.user_admin")
            job = (
                env["cmr.job"]
                .with_context(mail_create_nolog=True)
                .create(
                    {
                        "name": "Cron safety probe",
                        "user_id": admin.id,
                        "company_id": admin.company_id.id,
                        "res_model": "cmr.settlement",
                        "res_ids": [],
                        "method": "_job_settle",
                        "payload": {},
                    }
                )
            )
            self.job_id = job.id
            self.Settlement = type(env["cmr.settlement"])
        self.addCleanup(self._cleanup)

    def _cleanup_steps(self):
        with committed_env() as env:
            env.cr.execute(
                "DELETE FROM res_partner WHERE name LIKE %s", ["Cron safety step %"]
            )

    def _cleanup(self):
        self._cleanup_steps()
        with committed_env() as env:
            cr = env.cr
            for table, column in (
                ("mail_message", "model"),
                ("mail_followers", "res_model"),
            ):
                cr.execute(
                    f"DELETE FROM {table} WHERE {column} = 'cmr.job' AND res_id = %s",  # noqa: S608
                    [self.job_id],
                )
            cr.execute("DELETE FROM cmr_job WHERE id = %s", [self.job_id])

    def _runner(self, outcome, key):
        """One cron worker: a call of the runner in its own transaction."""

        def run():
            try:
                with committed_env() as env:
                    env["cmr.job"]._cron_run()
                outcome[key] = "done"
            except Killed:
                outcome[key] = "killed"
            except Exception as error:  # noqa: BLE001 - reported by the test
                outcome[key] = repr(error)

        return threading.Thread(target=run)

    def _job(self):
        with committed_env() as env:
            job = env["cmr.job"].browse(self.job_id)
            return {
                "state": job.state,
                "done_count": job.done_count,
                "attempt_count": job.attempt_count,
            }

    def test_cron_safety_two_runners_never_run_one_step_twice(self):
        calls = []
        entered = threading.Event()
        release = threading.Event()

        def step(self_, job):
            calls.append(threading.get_ident())
            entered.set()
            release.wait(10)
            job._set_progress(1, 1)
            return True

        outcome = {}
        with patch.object(self.Settlement, "_job_settle", step):
            first = self._runner(outcome, "first")
            first.start()
            self.assertTrue(entered.wait(10), "the first runner starts the step")
            # The first runner has committed its attempt: the row is free
            # for a moment, then locked again for the step.
            second = self._runner(outcome, "second")
            second.start()
            second.join(timeout=5)
            release.set()
            first.join(timeout=30)
            second.join(timeout=30)
        self.assertEqual(outcome, {"first": "done", "second": "done"})
        self.assertEqual(len(calls), 1, "one runner runs the step, once")
        self.assertEqual(
            self._job(), {"state": "done", "done_count": 1, "attempt_count": 0}
        )

    def test_cron_safety_killed_step_is_run_again_once(self):
        kill_on = {2}
        steps = []

        def step(self_, job):
            done = job.done_count
            self_.env["res.partner"].sudo().create({"name": f"Cron safety step {done}"})
            steps.append(done)
            if len(steps) in kill_on:
                self_.env.flush_all()
                raise Killed
            job._set_progress(done + 1, 3)
            return done + 1 >= 3

        outcome = {}
        with patch.object(self.Settlement, "_job_settle", step):
            for index in range(6):
                runner = self._runner(outcome, index)
                runner.start()
                runner.join(timeout=30)
                if self._job()["state"] == "done":
                    break
        self.assertEqual(outcome[1], "killed")
        self.assertEqual(steps, [0, 1, 1, 2], "the killed step is run again")
        with committed_env() as env:
            names = (
                env["res.partner"]
                .search([("name", "like", "Cron safety step %")])
                .mapped("name")
            )
        self.assertEqual(
            sorted(names),
            ["Cron safety step 0", "Cron safety step 1", "Cron safety step 2"],
            "every step's effect once, the killed one's rolled back",
        )
        self.assertEqual(
            self._job(), {"state": "done", "done_count": 3, "attempt_count": 0}
        )
