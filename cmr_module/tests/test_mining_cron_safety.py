from unittest.mock import patch

from odoo.tests import tagged

from .mining_common import CmrMiningCase


@tagged("post_install", "-at_install")
class TestMiningCronSafety(CmrMiningCase):
    """The daily runs as the scheduler drives them: a batch per call, the
    rest at the next call, and a crash in the middle redone without a second
    event."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for index in range(7):
            partner = cls._customer(f"Cron buyer {index}")
            # Some steady, some gone: events to count.
            cls._purchases(partner, [300, 250, 200] if index % 2 else [60, 30, 5])
        cls.cron = cls.env.ref("cmr_module.ir_cron_cmr_mining_churn")

    def _steps(self, method, **kwargs):
        """Call ``method`` as the scheduler would, until nothing remains."""
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": self.cron.id, "done": 0, "remaining": 0}
        )
        engine = self.engine.with_context(ir_cron_progress_id=progress.id)
        for calls in range(1, 100):
            # The scheduler commits after each call; a call that fails is
            # rolled back alone.
            with self.env.cr.savepoint():
                getattr(engine, method)(self.today, **kwargs)
            if not progress.remaining:
                return calls
        self.fail("the run does not end")

    def _run_result(self):
        activities = self.env["cmr.mining.activity"].search(
            [("company_id", "=", self.company.id)]
        )
        events = self.env["cmr.mining.event"].search(
            [("company_id", "=", self.company.id)]
        )
        return (
            {a.partner_id: (a.state, a.state_date) for a in activities},
            sorted((e.partner_id.id, e.event, e.date) for e in events),
        )

    def _reset(self):
        self.env.cr.execute("DELETE FROM cmr_mining_event")
        self.env.cr.execute("DELETE FROM cmr_mining_activity")
        self.env.cr.execute(
            "UPDATE cmr_mining_policy SET churn_run_date = NULL,"
            " churn_run_partner_id = 0, clv_run_date = NULL"
        )
        self.env.invalidate_all()

    def test_batches_resume_where_they_stopped(self):
        self._reset()
        self._run()
        at_once = self._run_result()
        self._reset()
        calls = self._steps("_cron_churn_step", batch_size=2)
        # More calls than companies: one batch of two customers per call.
        self.assertGreater(calls, len(self.env["res.company"].search([])) + 2)
        self.assertEqual(self._run_result(), at_once)
        self.assertEqual(self.policy.churn_run_date, self.today)
        self.assertEqual(self.policy.churn_run_partner_id, -1)
        # The day is done: another call evaluates nobody.
        self.assertEqual(self.engine._cron_churn_step(self.today, batch_size=2), 0)

    def test_a_crash_in_a_batch_is_redone_without_double_events(self):
        self._reset()
        self._run()
        expected = self._run_result()
        self.assertTrue(expected[1])
        self._reset()
        engine_class = type(self.engine)
        original = engine_class._run_churn_batch
        calls = []

        def crash_on_second_batch(engine, params):
            result = original(engine, params)
            calls.append(params["lo"])
            if len(calls) == 2:
                raise MemoryError("killed in the middle of a batch")
            return result

        with patch.object(engine_class, "_run_churn_batch", crash_on_second_batch):
            # Not assertRaises: Odoo's rolls back all that ran inside it.
            crashed = False
            try:
                self._steps("_cron_churn_step", batch_size=2)
            except MemoryError:
                crashed = True
            self.assertTrue(crashed, "the second batch must have crashed")
            self.env.invalidate_all()
            # The first batch is kept, the second rolled back: the next
            # calls start again from the second batch, and only it is redone.
            self._steps("_cron_churn_step", batch_size=2)
        self.assertEqual(calls[2], calls[1])
        self.assertEqual(len(calls), len(set(calls)) + 1)
        self.assertEqual(self._run_result(), expected)

    def test_lifetime_value_runs_a_company_per_call(self):
        self._run()
        self.env.cr.execute("UPDATE cmr_mining_policy SET clv_run_date = NULL")
        companies = self.env["res.company"].search([("active", "=", True)])
        self.assertEqual(self._steps("_cron_clv_step"), len(companies))
        self.policy.invalidate_recordset()
        self.assertEqual(self.policy.clv_run_date, self.today)
        values = {
            a.id: a.clv
            for a in self.env["cmr.mining.activity"].search(
                [("company_id", "=", self.company.id)]
            )
        }
        self.assertTrue(any(values.values()))
        self._clv()
        self.env.invalidate_all()
        self.assertEqual(
            {
                a.id: a.clv
                for a in self.env["cmr.mining.activity"].search(
                    [("company_id", "=", self.company.id)]
                )
            },
            values,
        )
