from datetime import timedelta

from odoo import Command, fields
from odoo.tests import common, new_test_user, tagged

from .common import CmrCase, RaceMixin, committed_env
from .cron_common import CronRunnerMixin, RaceAnyMixin, only

CRON = "cmr_module.ir_cron_cmr_send_queued"


def made(env, partner_id):
    """Contacts made to the customer (the caps count them)."""
    return env["cmr.contact"].search_count(
        [("partner_id", "=", partner_id), ("state", "in", ("sent", "to_deliver"))]
    )


@tagged("post_install", "-at_install")
class TestCronSafetyContactRace(RaceMixin, RaceAnyMixin, common.BaseCase):
    """The queue's release (``_cron_send_queued``) and a send made now by
    staff, to one customer allowed one WeChat message a week, in two
    committed transactions: the customer gets one."""

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            # What an interrupted run of this test may have left.
            users = (
                env["res.users"]
                .with_context(active_test=False)
                .search([("login", "=", "cron_safety_contact_agent")])
            )
            partners = (
                env["res.partner"]
                .with_context(active_test=False)
                .search([("name", "=", "Cron safety contact customer")])
            )
            for user in users:
                self._purge(env, partners.ids, user.id)
            wechat = env.ref("cmr_module.cmr_channel_wechat")
            partner = env["res.partner"].create(
                {
                    "name": "Cron safety contact customer",
                    "cmr_channel_pref_ids": [
                        Command.create(
                            {"channel_id": wechat.id, "sequence": 1, "cap_week": 1}
                        )
                    ],
                }
            )
            queued = env["cmr.contact"].create(
                {
                    "partner_id": partner.id,
                    "channel_id": wechat.id,
                    "subject": "Waiting in the queue",
                    "state": "queued",
                    "scheduled_date": fields.Datetime.now() - timedelta(hours=1),
                }
            )
            user = new_test_user(
                env,
                login="cron_safety_contact_agent",
                groups="cmr_module.group_cmr_user",
            )
            self.ids = {"partner": partner.id, "queued": queued.id, "user": user.id}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with committed_env() as env:
            self._purge(env, [self.ids["partner"]], self.ids["user"])

    @staticmethod
    def _purge(env, partner_ids, user_id):
        cr = env.cr
        cr.execute(
            "DELETE FROM mail_activity WHERE res_model = 'res.partner' "
            "AND res_id = ANY(%s)",
            [partner_ids],
        )
        cr.execute("DELETE FROM cmr_contact WHERE partner_id = ANY(%s)", [partner_ids])
        user = env["res.users"].browse(user_id)
        user_partner = user.partner_id
        user.unlink()
        (user_partner | env["res.partner"].browse(partner_ids)).unlink()

    def release(self, env):
        partner_id = self.ids["partner"]
        with only(
            env["cmr.contact"],
            "_queued_due",
            lambda contacts: contacts.filtered(lambda c: c.partner_id.id == partner_id),
        ):
            env["cmr.contact"]._cron_send_queued()
        return env["cmr.contact"].browse(self.ids["queued"]).state

    def send_now(self, env):
        staff = env(user=self.ids["user"])
        partner = staff["res.partner"].browse(self.ids["partner"])
        contact = staff["cmr.contact"]._send(
            partner, "wechat", None, "Sent by staff", "<p>Now</p>"
        )
        return contact.state, contact.refusal_reason

    def test_cron_safety_release_then_staff_send(self):
        outcome = self.race(self.release, self.send_now)
        self.assertEqual(outcome["first"], "to_deliver")
        self.assertEqual(outcome["attempts"], 2, "refused once, then retried")
        self.assertEqual(outcome["result"], ("queued", "cap_reached"))
        with committed_env() as env:
            self.assertEqual(made(env, self.ids["partner"]), 1)

    def test_cron_safety_staff_send_then_release(self):
        outcome = self.race_any(self.send_now, self.release)
        self.assertEqual(outcome["first"], ("to_deliver", False))
        # The release skipped the customer the staff's send held: the queued
        # contact waits for the next call, which finds the cap spent.
        self.assertEqual(outcome["result"], "queued")
        with committed_env() as env:
            self.assertEqual(made(env, self.ids["partner"]), 1)
            self.release(env)
            contact = env["cmr.contact"].browse(self.ids["queued"])
            self.assertEqual(
                (contact.state, contact.refusal_reason), ("queued", "cap_reached")
            )
            self.assertEqual(made(env, self.ids["partner"]), 1)


@tagged("post_install", "-at_install")
class TestCronSafetyContactBatches(CronRunnerMixin, CmrCase):
    def test_cron_safety_release_resumes_after_a_crash(self):
        partners = self.Partner.create(
            [
                {
                    "name": f"Queued {index}",
                    "cmr_channel_pref_ids": [
                        Command.create({"channel_id": self.wechat.id, "sequence": 1})
                    ],
                }
                for index in range(5)
            ]
        )
        contacts = self.env["cmr.contact"].create(
            [
                {
                    "partner_id": partner.id,
                    "channel_id": self.wechat.id,
                    "subject": "Queued",
                    "state": "queued",
                    "scheduled_date": fields.Datetime.now() - timedelta(hours=1),
                }
                for partner in partners
            ]
        )
        Contact = self.env["cmr.contact"]
        with (
            only(Contact, "_queued_due", lambda found: found & contacts),
            self.crash_on_call(Contact, "_deliver", calls=(2,)),
        ):
            reports = self.run_cron(
                CRON, lambda env: env["cmr.contact"]._cron_send_queued(batch_size=2)
            )
        self.assertEqual(self.done_counts(reports), [2, "crash", 2, 1])
        self.assertEqual(set(contacts.mapped("state")), {"to_deliver"})
        for partner in partners:
            self.assertEqual(
                len(partner.activity_ids), 1, "one delivery task per contact"
            )
