from unittest.mock import patch

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import run_queued
from .tier_common import CmrTierCase


@tagged("post_install", "-at_install")
class TestTierCronSafety(CmrTierCase):
    """The scheduled re-evaluation as the scheduler drives it (a ladder per
    call), killed in the middle, and met by a manager's *Re-evaluate now*."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyers = cls.env["res.partner"]
        for index, amount in enumerate((30000, 15000, 500)):
            partner = cls._customer(f"Cron tier buyer {index}")
            cls._invoice(partner, 20, amount)
            cls.buyers |= partner
        cls.cron = cls.env.ref("cmr_module.ir_cron_cmr_reevaluate_tiers")

    def _cron_until_done(self):
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": self.cron.id, "done": 0, "remaining": 0}
        )
        ladders = self.env["cmr.tier.ladder"].with_context(
            ir_cron_progress_id=progress.id
        )
        for _call in range(50):
            # The scheduler commits after each call; a failed call is rolled
            # back alone.
            with self.env.cr.savepoint():
                ladders._cron_reevaluate()
            if not progress.remaining:
                return
        self.fail("the scheduled re-evaluation does not end")

    def _runs_today(self):
        return self.env["cmr.tier.run"].search(
            [("ladder_id", "=", self.ladder.id), ("evaluation_date", "=", self.today)]
        )

    def _history(self):
        return self.env["cmr.tier.history"].search(
            [("partner_id", "in", self.buyers.ids), ("ladder_id", "=", self.ladder.id)]
        )

    def test_a_run_killed_at_its_end_is_redone_once(self):
        run_class = type(self.env["cmr.tier.run"])
        original_write = run_class.write
        killed = []

        def killed_at_the_end(runs, vals):
            # The run's last step: its counters, after every standing and
            # history line was written.
            if "duration" in vals and not killed:
                killed.append(runs.ladder_id)
                raise MemoryError("worker killed")
            return original_write(runs, vals)

        with patch.object(run_class, "write", killed_at_the_end):
            # Not assertRaises: Odoo's rolls back all that ran inside it.
            crashed = False
            try:
                self._cron_until_done()
            except MemoryError:
                crashed = True
            self.assertTrue(crashed, "the run must have been killed")
            self.env.invalidate_all()
            # Nothing of the killed run stays: no run, so it is redone.
            self.assertFalse(
                self.env["cmr.tier.run"].search(
                    [
                        ("ladder_id", "=", killed[0].id),
                        ("evaluation_date", "=", self.today),
                    ]
                )
            )
            self._cron_until_done()
        runs = self.env["cmr.tier.run"].search([("evaluation_date", "=", self.today)])
        # Every ladder evaluated once today, the killed one included.
        self.assertIn(killed[0], runs.ladder_id)
        self.assertEqual(len(runs), len(runs.ladder_id))
        self.assertEqual(len(self._runs_today()), 1)
        history = self._history()
        # One initial classification per buyer, written once.
        self.assertEqual(sorted(history.partner_id.ids), sorted(self.buyers.ids))
        # The day is done: another call evaluates nothing.
        self._cron_until_done()
        self.assertEqual(len(self._runs_today()), 1)
        self.assertEqual(self._history(), history)

    def test_reevaluate_now_while_the_schedule_runs_writes_nothing(self):
        manager = new_test_user(
            self.env,
            login="cmr_tier_cron_manager",
            groups="cmr_module.group_cmr_manager",
        )
        ladder = self.env.ref("cmr_module.cmr_tier_ladder_vip")
        runs = self.env["cmr.tier.run"].search_count([("ladder_id", "=", ladder.id)])
        action = ladder.with_user(manager).action_reevaluate()
        # The scheduled run holds the ladder (another transaction).
        with self.env.registry.cursor() as cron_cr:
            cron_cr.execute(
                "SELECT id FROM cmr_tier_ladder WHERE id = %s FOR UPDATE", [ladder.id]
            )
            with mute_logger("odoo.sql_db", "odoo.addons.cmr_module.models.cmr_job"):
                job = run_queued(self.env, action)
            cron_cr.rollback()
        self.assertEqual(job.state, "failed")
        self.assertIn("right now", job.summary)
        self.assertEqual(
            self.env["cmr.tier.run"].search_count([("ladder_id", "=", ladder.id)]),
            runs,
        )
