from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import common, tagged

from .common import RaceMixin, committed_env
from .complaint_common import FRIDAY_4PM, CmrComplaintCase
from .cron_common import CronRunnerMixin, RaceAnyMixin, only

AUTO_CLOSED = "Closed automatically"


@tagged("post_install", "-at_install")
class TestCronSafetyComplaintRaces(RaceMixin, RaceAnyMixin, common.BaseCase):
    """The complaints' scheduled actions and their twins in two committed
    transactions: the owner acknowledging a late complaint (which flags the
    breach itself) against the escalation; staff confirming the answer
    against the automatic close."""

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            agent = env.ref("cmr_module.cmr_user_agent_li")
            complaint, other = env["cmr.complaint"].create(
                [
                    {
                        "subject": subject,
                        "partner_id": env.ref("cmr_module.cmr_partner_wang_ming").id,
                        "user_id": agent.id,
                        "reply_channel_id": env.ref("cmr_module.cmr_channel_wechat").id,
                    }
                    for subject in ("Cron safety complaint", "Cron safety other")
                ]
            )
            self.agent_id = agent.id
            self.complaint_id = complaint.id
            self.other_id = other.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with committed_env() as env:
            cr = env.cr
            ids = [self.complaint_id, self.other_id]
            for table, column in (
                ("mail_message", "model"),
                ("mail_followers", "res_model"),
                ("mail_activity", "res_model"),
                ("rating_rating", "res_model"),
                ("cmr_contact", "res_model"),
            ):
                cr.execute(
                    f"DELETE FROM {table} WHERE {column} = 'cmr.complaint' "  # noqa: S608
                    "AND res_id = ANY(%s)",
                    [ids],
                )
            cr.execute("DELETE FROM cmr_complaint WHERE id = ANY(%s)", [ids])

    def only_this_complaint(self, env):
        Complaint = env["cmr.complaint"]
        complaint_id = self.complaint_id
        mine = Complaint.browse(complaint_id)
        return only(
            Complaint,
            "_escalation_due",
            lambda pair: tuple(found & mine for found in pair),
        ), only(
            Complaint,
            "_auto_close_due",
            lambda found: found.filtered(lambda c: c.id == complaint_id),
        )

    def _state(self):
        with committed_env() as env:
            complaint = env["cmr.complaint"].browse(self.complaint_id)
            breach_activities = env["mail.activity"].search_count(
                [
                    ("res_model", "=", "cmr.complaint"),
                    ("res_id", "=", complaint.id),
                    (
                        "activity_type_id",
                        "=",
                        env.ref(
                            "cmr_module.mail_activity_type_cmr_complaint_breach"
                        ).id,
                    ),
                ]
            )
            auto_closed = complaint.message_ids.filtered(
                lambda m: AUTO_CLOSED in (m.body or "")
            )
            return {
                "state": complaint.state,
                "breach_count": complaint.breach_count,
                "breach_activities": breach_activities,
                "auto_closed": len(auto_closed),
            }

    # ------------------------------------------------------------------
    # Escalation and the owner acknowledging
    # ------------------------------------------------------------------
    def _late(self):
        with committed_env() as env:
            env.cr.execute(
                "UPDATE cmr_complaint SET escalated_deadline = NULL, "
                "deadline = (now() AT TIME ZONE 'UTC') - interval '1 hour' "
                "WHERE id = %s",
                [self.complaint_id],
            )

    def escalate(self, env):
        esc, close = self.only_this_complaint(env)
        with esc, close:
            return env["cmr.complaint"]._cron_escalate()["breached"]

    def acknowledge(self, env):
        agent = env(user=self.agent_id)
        agent["cmr.complaint"].browse(self.complaint_id).action_acknowledge()
        return agent["cmr.complaint"].browse(self.complaint_id).breach_count

    def test_cron_safety_escalation_then_acknowledge(self):
        self._late()
        outcome = self.race(self.escalate, self.acknowledge)
        self.assertEqual(outcome["first"], 1)
        self.assertEqual(outcome["result"], 1, "the breach is counted once")
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        self.assertEqual(
            self._state(),
            {
                "state": "acknowledged",
                "breach_count": 1,
                "breach_activities": 1,
                "auto_closed": 0,
            },
        )

    def test_cron_safety_acknowledge_then_escalation(self):
        self._late()
        outcome = self.race_any(self.acknowledge, self.escalate)
        self.assertEqual(outcome["first"], 1)
        # The run skipped the complaint its owner held and flagged himself.
        self.assertEqual(outcome["result"], 0)
        self.assertEqual(
            self._state(),
            {
                "state": "acknowledged",
                "breach_count": 1,
                "breach_activities": 0,
                "auto_closed": 0,
            },
        )

    # ------------------------------------------------------------------
    # Automatic close and staff confirming the answer
    # ------------------------------------------------------------------
    def _answered_long_ago(self, *complaint_ids):
        complaint_ids = list(complaint_ids or [self.complaint_id])
        with committed_env() as env:
            sla = (
                env["cmr.complaint.sla"]
                .with_context(active_test=False)
                .search([], order="auto_close_days", limit=1)
            )
            env.cr.execute(
                "UPDATE cmr_complaint SET state = 'answered', sla_id = %s, "
                "answer_date = (now() AT TIME ZONE 'UTC') - interval '60 days' "
                "WHERE id = ANY(%s)",
                [sla.id, complaint_ids],
            )

    def auto_close(self, env):
        esc, close = self.only_this_complaint(env)
        with esc, close:
            return env["cmr.complaint"]._cron_auto_close().ids

    def test_cron_safety_auto_close_batch_survives_a_busy_complaint(self):
        """The cron worker does not retry a batch: one complaint staff are
        confirming at that moment must not cost the batch the others."""
        self._answered_long_ago(self.complaint_id, self.other_id)
        mine = [self.complaint_id, self.other_id]

        def auto_close_both(env):
            with only(
                env["cmr.complaint"],
                "_auto_close_due",
                lambda found: found.filtered(lambda c: c.id in mine),
            ):
                return env["cmr.complaint"]._cron_auto_close().ids

        outcome = self.race_any(self.confirm, auto_close_both, retry=False)
        self.assertEqual(outcome["first"], "closed")
        self.assertNotIn("error", outcome)
        self.assertEqual(outcome["result"], [self.other_id])
        with committed_env() as env:
            states = env["cmr.complaint"].browse(mine).mapped("state")
            self.assertEqual(states, ["closed", "closed"])
            # The customer was busy (the confirmation asked them to rate
            # the first one): the second request waits in the queue.
            request = env["cmr.contact"].search(
                [("res_model", "=", "cmr.complaint"), ("res_id", "=", self.other_id)]
            )
            self.assertEqual(request.mapped("state"), ["queued"])
            self.assertTrue(request.scheduled_date)

    def confirm(self, env):
        agent = env(user=self.agent_id)
        agent["cmr.complaint"].browse(self.complaint_id).action_confirm()
        return agent["cmr.complaint"].browse(self.complaint_id).state

    def test_cron_safety_auto_close_then_confirm(self):
        self._answered_long_ago()
        outcome = self.race(self.auto_close, self.confirm)
        self.assertEqual(outcome["first"], [self.complaint_id])
        self.assertIn("Only answered complaints can be confirmed", outcome["error"])
        self.assertEqual(self._state()["auto_closed"], 1)
        self.assertEqual(self._state()["state"], "closed")

    def test_cron_safety_confirm_then_auto_close(self):
        self._answered_long_ago()
        outcome = self.race_any(self.confirm, self.auto_close)
        self.assertEqual(outcome["first"], "closed")
        self.assertEqual(outcome["result"], [], "the run left it to the staff")
        self.assertEqual(self._state()["auto_closed"], 0)
        with committed_env() as env:
            # Asked to rate once, by the confirmation.
            self.assertEqual(
                env["cmr.contact"].search_count(
                    [
                        ("res_model", "=", "cmr.complaint"),
                        ("res_id", "=", self.complaint_id),
                        ("subject", "like", "How did we handle"),
                    ]
                ),
                1,
            )


@tagged("post_install", "-at_install")
class TestCronSafetyComplaintBatches(CronRunnerMixin, CmrComplaintCase):
    def _answered(self, subject):
        with freeze_time(FRIDAY_4PM):
            complaint = self._complaint(subject=subject)
            complaint.action_acknowledge()
            complaint.action_start()
            complaint.resolution = "<p>We refund the overcharge.</p>"
            complaint.action_answer()
        return complaint

    def test_cron_safety_auto_close_resumes_after_a_crash(self):
        complaints = self.env["cmr.complaint"]
        for index in range(5):
            complaints |= self._answered(f"Unconfirmed {index}")
        Complaint = self.env["cmr.complaint"]
        with (
            freeze_time(FRIDAY_4PM + timedelta(days=3, minutes=1)),
            only(Complaint, "_auto_close_due", lambda found: found & complaints),
            self.crash_on_call(Complaint, "_request_rating", calls=(2,)),
        ):
            reports = self.run_cron(
                "cmr_module.ir_cron_cmr_complaint_auto_close",
                lambda env: env["cmr.complaint"]._cron_auto_close(batch_size=2),
            )
        self.assertEqual(reports, [(2, 3), "crash", (2, 1), (1, 0)])
        self.assertEqual(set(complaints.mapped("state")), {"closed"})
        for complaint in complaints:
            closing = complaint.message_ids.filtered(
                lambda m: AUTO_CLOSED in (m.body or "")
            )
            self.assertEqual(len(closing), 1, "one closing notice each")
            rating_requests = self.env["cmr.contact"].search_count(
                [
                    ("res_model", "=", "cmr.complaint"),
                    ("res_id", "=", complaint.id),
                    ("subject", "like", "How did we handle"),
                ]
            )
            self.assertEqual(rating_requests, 1, "asked to rate once")

    def test_cron_safety_escalation_resumes_after_a_crash(self):
        with freeze_time(FRIDAY_4PM):
            complaints = self.env["cmr.complaint"]
            for index in range(5):
                complaints |= self._complaint(subject=f"Late {index}")
        Complaint = self.env["cmr.complaint"]
        breach_type = self.env.ref("cmr_module.mail_activity_type_cmr_complaint_breach")
        with (
            freeze_time(FRIDAY_4PM + timedelta(days=4)),
            only(
                Complaint,
                "_escalation_due",
                lambda pair: tuple(found & complaints for found in pair),
            ),
            self.crash_on_call(self.env["ir.cron"], "_notify_progress", calls=(2,)),
        ):
            reports = self.run_cron(
                "cmr_module.ir_cron_cmr_complaint_escalate",
                lambda env: env["cmr.complaint"]._cron_escalate(batch_size=2),
            )
        self.assertEqual(reports, [(2, 3), "crash", (2, 1), (1, 0)])
        for complaint in complaints:
            self.assertEqual(complaint.breach_count, 1, "one escalation step")
            self.assertEqual(
                len(
                    complaint.activity_ids.filtered(
                        lambda a: a.activity_type_id == breach_type
                    )
                ),
                1,
            )
