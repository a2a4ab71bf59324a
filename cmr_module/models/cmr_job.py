import hashlib
import json
import logging
import threading
from datetime import timedelta

import psycopg2

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# A step refused by a concurrent transaction is tried again this many times,
# a minute apart, before its run fails.
MAX_ATTEMPTS = 5
# Finished runs are kept this long (days), then removed by the autovacuum.
KEEP_DAYS = 90


class CmrJob(models.Model):
    """A long action queued from a button and run by a scheduled action.

    A button that may run for seconds on a big base (re-evaluating the
    tiers, settling the merchants, …) calls ``_enqueue`` and returns at
    once: a production worker never reaches its time limit. The
    "Background Runs" cron runs the job in steps as the user who asked,
    commits after each step (the record shows its progress meanwhile), and
    tells the user when it is done, by a notification and in the job's
    chatter.

    The work is a method of any model, named ``_job_*`` and taking the job:
    it does one step, may report ``job._set_progress(done, total)`` and
    ``job._set_result(records)``, and returns True when it has finished
    (False: call me again). Another addon queues its own work the same way.
    """

    _name = "cmr.job"
    _inherit = ["mail.thread"]
    _description = "Background Run"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Asked by",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.user,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    # The companies selected when it was asked: the work sees those.
    allowed_company_ids = fields.Json(string="Companies", readonly=True)
    res_model = fields.Char(string="Model", required=True, readonly=True)
    res_ids = fields.Json(string="Records", readonly=True)
    method = fields.Char(required=True, readonly=True)
    payload = fields.Json(
        string="Parameters", readonly=True, help="The parameters of the work."
    )
    # Same work twice at once makes no sense: a second click finds the first.
    dedupe_key = fields.Char(string="Duplicate Check", readonly=True, index=True)
    date_started = fields.Datetime(string="Started", readonly=True)
    date_done = fields.Datetime(string="Finished", readonly=True)
    attempt_count = fields.Integer(
        string="Failed Attempts",
        readonly=True,
        help="Steps in a row that did not end (refused by a concurrent "
        "transaction, stopped by a time limit): tried again a few times.",
    )
    done_count = fields.Integer(string="Done", readonly=True)
    total_count = fields.Integer(string="To Do", readonly=True)
    progress = fields.Float(compute="_compute_progress", string="Progress (%)")
    result_model = fields.Char(readonly=True)
    result_ids = fields.Json(string="Result Records", readonly=True)
    result_count = fields.Integer(compute="_compute_result_count")
    summary = fields.Text(readonly=True, help="What the run did, or why it failed.")

    _sql_constraints = [
        (
            "counts_positive",
            "CHECK(done_count >= 0 AND total_count >= 0)",
            "Progress counts are never negative.",
        )
    ]

    def init(self):
        # At most one open job per piece of work, also when two clicks race.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS cmr_job_open_dedupe_uniq
                ON cmr_job (dedupe_key)
             WHERE state IN ('queued', 'running') AND dedupe_key IS NOT NULL
            """
        )

    @api.depends("done_count", "total_count", "state")
    def _compute_progress(self):
        for job in self:
            if job.state == "done":
                job.progress = 100.0
            elif job.total_count:
                job.progress = min(100.0, 100.0 * job.done_count / job.total_count)
            else:
                job.progress = 0.0

    @api.depends("result_ids")
    def _compute_result_count(self):
        for job in self:
            job.result_count = len(job.result_ids or [])

    # ------------------------------------------------------------------
    # Queueing (called by the buttons, after their own access checks)
    # ------------------------------------------------------------------
    @api.model
    def _enqueue(self, name, records, method, payload=None, dedupe=True):
        """Queue ``records.<method>(job)`` and wake the runner; the open job
        doing the same work if there is one."""
        if not method.startswith("_job_"):
            raise ValueError(f"{method}: a queued method is named _job_*")
        companies = self.env.companies
        key = None
        if dedupe:
            # A digest: the parameters may list thousands of records.
            work = [records._name, method, sorted(records.ids), payload, companies.ids]
            key = hashlib.sha256(
                json.dumps(work, sort_keys=True, default=str).encode()
            ).hexdigest()
            open_job = self.sudo().search(
                [("dedupe_key", "=", key), ("state", "in", ("queued", "running"))],
                limit=1,
            )
            if open_job:
                # The same work is on its way: this asker is told too.
                open_job.message_subscribe(partner_ids=self.env.user.partner_id.ids)
                return open_job.with_env(self.env)
        try:
            with self.env.cr.savepoint():
                job = (
                    self.sudo()
                    .with_context(mail_create_nolog=True)
                    .create(
                        {
                            "name": name,
                            "user_id": self.env.user.id,
                            "company_id": self.env.company.id,
                            "allowed_company_ids": companies.ids,
                            "res_model": records._name,
                            "res_ids": records.ids,
                            "method": method,
                            "payload": payload or {},
                            "dedupe_key": key,
                        }
                    )
                )
                job.flush_recordset()
        except psycopg2.errors.UniqueViolation:
            # Two clicks at once: the other one's job, just committed, runs.
            raise UserError(
                self.env._(
                    "This work is already queued: see CMR › Customers › "
                    "Background Runs."
                )
            ) from None
        # The one who asked follows the run: the chatter message of its end
        # reaches their inbox too.
        job.message_subscribe(partner_ids=self.env.user.partner_id.ids)
        self._runner()._trigger()
        return job.with_env(self.env)

    def _runner(self):
        return self.env.ref("cmr_module.ir_cron_cmr_job")

    def _action_open(self):
        """The action a button returns: the job's form, its progress."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "cmr.job",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    # ------------------------------------------------------------------
    # What the work reports
    # ------------------------------------------------------------------
    def _set_progress(self, done, total=None):
        values = {"done_count": max(done, 0)}
        if total is not None:
            values["total_count"] = max(total, 0)
        self.sudo().write(values)

    def _set_result(self, records, summary=None):
        values = {
            "result_model": records._name,
            "result_ids": sorted(set(self.result_ids or []) | set(records.ids)),
        }
        if summary is not None:
            values["summary"] = summary
        self.sudo().write(values)

    def _add_note(self, note):
        """Add a line to the summary (what a step refused, …)."""
        self.sudo().write({"summary": "\n".join(filter(None, [self.summary, note]))})

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------
    @api.autovacuum
    def _gc_finished_jobs(self):
        """Finished runs are history for a while, then go."""
        limit = fields.Datetime.now() - timedelta(days=KEEP_DAYS)
        self.sudo().search(
            [("state", "in", ("done", "failed")), ("date_done", "<", limit)]
        ).unlink()

    @api.model
    def _cron_run(self):
        """One step of the oldest open job; the cron framework calls again
        (after a commit) while some remain."""
        job = self._next_job()
        if job:
            job._run_step()
        remaining = self.search_count([("state", "in", ("queued", "running"))])
        self.env["ir.cron"]._notify_progress(done=1 if job else 0, remaining=remaining)

    @api.model
    def _next_job(self):
        # SKIP LOCKED: a job another transaction is stepping is left to it.
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM cmr_job
                 WHERE state IN ('queued', 'running')
                 ORDER BY id
                 LIMIT 1
                   FOR NO KEY UPDATE SKIP LOCKED
                """
            )
        )
        return self.sudo().browse(rows[0][0]) if rows else self.browse()

    def _try_lock_for_step(self):
        """Lock this job's row for the step, or False when another runner
        holds it (``SKIP LOCKED``: never wait for a step to end)."""
        self.ensure_one()
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM cmr_job WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                self.id,
            )
        )
        return bool(rows)

    def _run_step(self):
        """Run one step of this job as the user who queued it, with the
        companies they had selected."""
        self.ensure_one()
        job = self.sudo()
        if job.state in ("done", "failed"):
            return
        env = job._in_user_lang()
        user = job.user_id
        # (OdooBot, the scheduled actions' user, is archived by design.)
        if user.id != SUPERUSER_ID and not (user.active and user._is_internal()):
            job._finish("failed", env._("The user who asked for this run left."))
            return
        if job.res_model not in self.env or not job.method.startswith("_job_"):
            job._finish("failed", env._("This work cannot be run."))
            return
        if job.attempt_count >= MAX_ATTEMPTS:
            job._finish(
                "failed",
                env._(
                    "Stopped after %(count)s attempts that did not end.",
                    count=job.attempt_count,
                ),
            )
            return
        values = {"attempt_count": job.attempt_count + 1}
        if job.state == "queued":
            values.update(state="running", date_started=fields.Datetime.now())
        job.write(values)
        # A step killed by the time limit (or the server) is rolled back: the
        # attempt it counts must stay, so that such a run ends (after
        # MAX_ATTEMPTS). Hence this commit, the one in the addon: the
        # scheduler would roll the count back with the step.
        if not getattr(threading.current_thread(), "testing", False):
            self.env.cr.commit()  # pylint: disable=invalid-commit
            # The commit freed the job's row: another runner may have taken
            # it meanwhile. The step runs only under the row's lock, on the
            # job as it is now; else it is the other runner's.
            if not job._try_lock_for_step():
                return
            job.invalidate_recordset()
            if job.state in ("done", "failed"):
                return
        companies = [
            c for c in job.allowed_company_ids or [] if c in user.company_ids.ids
        ]
        # A clean environment: the user's rights, language and companies,
        # nothing of the cron's context (its progress, its superuser).
        worker_env = self.env(
            user=user.id,
            su=False,
            context={
                "lang": user.lang,
                "tz": user.tz,
                "allowed_company_ids": companies or job.company_id.ids,
            },
        )
        worker = (
            worker_env[job.res_model]
            .with_company(job.company_id)
            .browse(job.res_ids or [])
        )
        method = getattr(worker, job.method, None)
        if not callable(method):
            job._finish("failed", env._("This work cannot be run."))
            return
        try:
            with self.env.cr.savepoint():
                finished = method(job.with_env(worker_env))
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # Another transaction holds what the step needs: the next call
            # (a minute later) tries again, in a new transaction.
            _logger.info("Background run %s: concurrent update, retried", job.id)
            self._runner()._trigger(at=fields.Datetime.now() + timedelta(minutes=1))
            return
        except UserError as error:
            # A refusal the user must read; the step's writes are undone.
            job._finish("failed", str(error.args[0] if error.args else error))
            return
        except Exception:  # noqa: BLE001 - any bug ends the run, not the queue
            _logger.exception("Background run %s (%s) failed", job.id, job.name)
            job._finish(
                "failed",
                env._(
                    "The run stopped on an unexpected error: your administrator "
                    "finds it in the server log."
                ),
            )
            return
        job.attempt_count = 0
        if finished:
            job._finish("done")

    def _in_user_lang(self):
        return self.with_context(lang=self.user_id.lang).env

    def _finish(self, state, note=None):
        self.ensure_one()
        values = {"state": state, "date_done": fields.Datetime.now()}
        if note:
            # After what the run did (its progress), why it stopped.
            values["summary"] = "\n".join(filter(None, [self.summary, note]))
        self.write(values)
        env = self._in_user_lang()
        if state == "done":
            title = env._("%(name)s: done", name=self.name)
            level = "success"
        else:
            title = env._("%(name)s: failed", name=self.name)
            level = "danger"
        message = self.summary or title
        self.message_post(
            body=message,
            subject=title,
            message_type="notification",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.user_id.partner_id.ids,
        )
        self.user_id._bus_send(
            "simple_notification",
            {"type": level, "title": title, "message": message, "sticky": False},
        )
        _logger.info("Background run %s (%s): %s", self.id, self.name, state)

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_view_result(self):
        self.ensure_one()
        if not self.result_model or not self.result_ids:
            return False
        records = self.env[self.result_model].browse(self.result_ids).exists()
        if len(records) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": records._name,
                "res_id": records.id,
                "view_mode": "form",
                "views": [(False, "form")],
            }
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": records._name,
            "domain": [("id", "in", records.ids)],
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
        }
