"""Running a scheduled action the way Odoo 18's cron runner does, batch after
batch, and crashing it in the middle."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo import SUPERUSER_ID

from .common import run_race


class Crash(Exception):
    """A worker killed in the middle of a batch (time limit, OOM, restart)."""


class CronRunnerMixin:
    """``run_cron`` calls a ``_cron_*`` method as ``ir.cron._run_job`` does:
    each call with a fresh ``ir.cron.progress`` in its context, in its own
    transaction (here a savepoint: kept when the call returns, rolled back
    when it raises), again and again while it reports work done and work
    remaining. A call that raises is rolled back, and the scheduler runs the
    action again later: so does ``run_cron``."""

    def run_cron(self, xmlid, call, max_calls=50, env=None):
        """Run ``call(env)`` until done; returns the list of
        ``(done, remaining)`` per call, ``"crash"`` for a rolled-back one."""
        env = env or self.env
        cron = env.ref(xmlid)
        Progress = env["ir.cron.progress"].sudo()
        reports = []
        for _call in range(max_calls):
            progress = Progress.create({"cron_id": cron.id})
            cron_env = env(
                user=cron.user_id.id,
                context=dict(env.context, ir_cron_progress_id=progress.id),
            )
            try:
                with env.cr.savepoint():
                    call(cron_env)
                    cron_env.flush_all()
            except Crash:
                # What the batch wrote is gone; the runner tries again later.
                reports.append("crash")
                env.invalidate_all(flush=False)
                continue
            env.invalidate_all()
            reports.append((progress.done, progress.remaining))
            if not progress.remaining or not progress.done:
                return reports
        self.fail(f"{xmlid} still had work after {max_calls} calls: {reports}")

    @staticmethod
    def done_counts(reports):
        """The records each call did, ``"crash"`` for a rolled-back call
        (calls that did nothing left out: what remains may be the demo
        data's, which the test hides)."""
        return [
            report if report == "crash" else report[0]
            for report in reports
            if report == "crash" or report[0]
        ]

    @contextmanager
    def crash_on_call(self, model, method, calls=(2,), after=True):
        """Patch ``model.method`` so that its n-th call (n in ``calls``, from
        1) raises ``Crash``; with ``after``, once the real method has done
        its work (its writes are then rolled back with the batch)."""
        cls = type(model)
        original = getattr(cls, method)
        counter = {"calls": 0}

        def wrapper(self_, *args, **kwargs):
            counter["calls"] += 1
            crash = counter["calls"] in calls
            if crash and not after:
                raise Crash(method)
            result = original(self_, *args, **kwargs)
            if crash:
                self_.env.flush_all()
                raise Crash(method)
            return result

        with patch.object(cls, method, wrapper):
            yield counter


@contextmanager
def only(model, method, keep):
    """Patch ``model.method`` (a scheduled action's "what is due" query) so
    that the action sees only what ``keep(result)`` returns: the test's
    records, not the demo data's (a committed run would change those for
    good, and the counts would depend on them)."""
    cls = type(model)
    original = getattr(cls, method)

    def wrapper(self_, *args, **kwargs):
        return keep(original(self_, *args, **kwargs))

    with patch.object(cls, method, wrapper):
        yield


class RaceAnyMixin:
    """Like ``RaceMixin.race``, but the second transaction may also finish
    without waiting (a scheduled action skips the rows a request holds,
    ``SKIP LOCKED``). The first transaction stays open until the second has
    finished or waited ``hold`` seconds."""

    def race_any(
        self, first, second, uid=SUPERUSER_ID, hold=1.0, second_uid=None, retry=True
    ):
        """``retry=False`` runs the second once, as the cron worker runs a
        batch: a serialization failure loses the whole batch (``error``)."""
        return run_race(
            self,
            first,
            second,
            uid,
            second_uid=second_uid,
            retry=retry,
            hold=hold,
            must_wait=False,
        )
