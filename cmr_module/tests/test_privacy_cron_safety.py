from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

from ..models.cmr_privacy_erasure import CmrPrivacyErasure
from ..models.cmr_privacy_export import CmrPrivacyExport
from .common import RaceMixin, committed_env

REMINDER = "cmr_module.mail_activity_type_cmr_erasure_due"


class Crash(BaseException):
    """The worker dies in the middle of a batch (not an error Odoo records)."""


def run_crashing(case, method, crash_on_call, target, name):
    """Run ``method`` batch after batch the way the scheduler does (one
    transaction per batch, here a savepoint); ``target.name`` raises on its
    ``crash_on_call``-th call, which rolls back that batch only."""
    original = getattr(target, name)
    calls = {"n": 0}

    def crashing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == crash_on_call:
            raise Crash()
        return original(self, *args, **kwargs)

    with patch.object(target, name, crashing):
        for _batch in range(crash_on_call):
            try:
                with case.env.cr.savepoint():
                    method()
            except Crash:
                break


@tagged("post_install", "-at_install")
class TestPrivacyErasureReminder(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.manager = new_test_user(
            cls.env,
            login="privacy_reminder_manager",
            groups="cmr_module.group_cmr_manager",
            name="Reminder Manager",
        )
        cls.agent = new_test_user(
            cls.env,
            login="privacy_reminder_agent",
            groups="cmr_module.group_cmr_user",
            name="Reminder Agent",
        )
        Partner = cls.env["res.partner"]
        cls.customers = Partner.create(
            [{"name": f"Reminder Customer {n}"} for n in range(4)]
        )
        cls.Erasure = cls.env["cmr.privacy.erasure"]
        cls.today = fields.Date.today()
        cls.requests = cls.Erasure.browse()
        for customer, days in zip(cls.customers, (2, 5, 7, 20), strict=True):
            erasure = cls.Erasure.with_user(cls.agent)._request(customer, "staff")
            erasure.sudo()._workflow_write(
                {"due_date": cls.today + timedelta(days=days)}
            )
            cls.requests |= erasure
        cls.soon = cls.requests[:3]
        cls.later = cls.requests[3]
        cls.managers = (
            cls.env["res.users"]
            .search(
                [
                    ("groups_id", "in", cls.env.ref("cmr_module.group_cmr_manager").id),
                    ("share", "=", False),
                ]
            )
            .filtered(lambda u: cls.env.company in u.company_ids)
        )

    def _reminders(self, erasures=None):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "cmr.privacy.erasure"),
                ("res_id", "in", (erasures or self.requests).ids),
                ("activity_type_id", "=", self.env.ref(REMINDER).id),
            ]
        )

    def _cron(self, **kwargs):
        return self.Erasure._cron_remind_due(**kwargs)

    def test_managers_reminded_once_per_request_due_soon(self):
        self.assertIn(self.manager, self.managers)
        self.assertNotIn(self.agent, self.managers)
        reminded = self._cron()
        self.assertLessEqual(self.soon, reminded)
        self.assertNotIn(self.later, reminded)
        activities = self._reminders()
        self.assertEqual(len(activities), len(self.soon) * len(self.managers))
        self.assertEqual(activities.user_id, self.managers)
        self.assertEqual(
            set(
                activities.filtered(lambda a: a.res_id == self.soon[0].id).mapped(
                    "date_deadline"
                )
            ),
            {self.soon[0].due_date},
        )
        self.assertTrue(all(self.soon.mapped("date_reminded")))
        # The next day: nothing new.
        self._cron()
        self.assertEqual(len(self._reminders()), len(activities))
        # The manager sees it in their to-dos and reviewing closes it.
        mine = self._reminders(self.soon[0]).filtered(
            lambda a: a.user_id == self.manager
        )
        self.assertTrue(mine.with_user(self.manager).read(["summary"]))
        erasure = self.soon[0].with_user(self.manager)
        erasure.refusal_reason = "Court order to keep the file."
        erasure.action_refuse()
        self.assertFalse(self._reminders(self.soon[0]))

    def test_setting_the_company_days(self):
        self.env.company.cmr_erasure_reminder_days = 0
        self.assertFalse(self._cron())
        self.env.company.cmr_erasure_reminder_days = 30
        self.assertEqual(self._cron() & self.requests, self.requests)

    def test_reviewed_request_not_reminded(self):
        self.soon[1].with_user(self.manager).action_approve()
        self.assertNotIn(self.soon[1], self._cron())
        self.assertFalse(self._reminders(self.soon[1]))

    def test_crash_in_batch_two_then_resume(self):
        """Batch 1 committed, batch 2 dies: the re-run reminds the rest,
        nobody twice."""
        run_crashing(
            self, lambda: self._cron(batch_size=1), 2, CmrPrivacyErasure, "_remind"
        )
        self.assertEqual(len(self._reminders()), len(self.managers))
        first = self._reminders()
        for _batch in range(10):
            if not self._cron(batch_size=1):
                break
        activities = self._reminders()
        self.assertLessEqual(first, activities)
        self.assertEqual(len(activities), len(self.soon) * len(self.managers))
        for erasure in self.soon:
            self.assertEqual(
                len(activities.filtered(lambda a, e=erasure: a.res_id == e.id)),
                len(self.managers),
            )


@tagged("post_install", "-at_install")
class TestPrivacyExportCrashResume(TransactionCase):
    def test_crash_in_batch_two_then_resume(self):
        Export = self.env["cmr.privacy.export"]
        customers = self.env["res.partner"].create(
            [{"name": f"Export Crash {n}"} for n in range(3)]
        )
        exports = Export.browse()
        for customer in customers:
            exports |= Export._request(customer)
        run_crashing(
            self,
            lambda: Export._cron_build_exports(batch_size=1),
            2,
            CmrPrivacyExport,
            "_build",
        )
        self.assertEqual(exports.mapped("state"), ["done", "queued", "queued"])
        first_file = exports[0].attachment_id
        for _batch in range(10):
            Export._cron_build_exports(batch_size=1)
            if not Export.search_count(
                [("id", "in", exports.ids), ("state", "=", "queued")]
            ):
                break
        self.assertEqual(set(exports.mapped("state")), {"done"})
        self.assertEqual(exports[0].attachment_id, first_file)
        files = self.env["ir.attachment"].search(
            [("res_model", "=", "cmr.privacy.export"), ("res_id", "in", exports.ids)]
        )
        self.assertEqual(len(files), 3, "each export built once")


@tagged("post_install", "-at_install")
class TestPrivacyCronRaces(RaceMixin, TransactionCase):
    """The scheduled actions against each other and their manual twins,
    in two transactions at the same moment."""

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            admin = env.ref("base.user_admin")
            if not admin.has_group("cmr_module.group_cmr_manager"):
                self.skipTest("the admin is no CMR Manager in this database")
            self.manager_uid = admin.id
            partner = env["res.partner"].create({"name": "Race Reminder"})
            erasure = env["cmr.privacy.erasure"]._request(partner, "staff")
            erasure._workflow_write(
                {
                    "due_date": fields.Date.today() + timedelta(days=1),
                    "refusal_reason": "Open dispute",
                }
            )
            self.partner_id, self.erasure_id = partner.id, erasure.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with committed_env() as env:
            cr = env.cr
            cr.execute(
                "DELETE FROM mail_activity WHERE res_model = 'cmr.privacy.erasure' "
                "AND res_id = %s",
                [self.erasure_id],
            )
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'cmr.privacy.erasure' "
                "AND res_id = %s",
                [self.erasure_id],
            )
            cr.execute(
                "DELETE FROM cmr_privacy_erasure_log WHERE erasure_id = %s",
                [self.erasure_id],
            )
            cr.execute(
                "DELETE FROM cmr_privacy_export WHERE partner_id = %s",
                [self.partner_id],
            )
            cr.execute(
                "DELETE FROM ir_attachment WHERE res_model = 'cmr.privacy.export' "
                "AND res_id NOT IN (SELECT id FROM cmr_privacy_export)"
            )
            cr.execute(
                "DELETE FROM cmr_privacy_erasure WHERE id = %s", [self.erasure_id]
            )
            cr.execute("DELETE FROM res_partner WHERE id = %s", [self.partner_id])

    def _open_reminders(self):
        with committed_env() as env:
            activities = env["mail.activity"].search(
                [
                    ("res_model", "=", "cmr.privacy.erasure"),
                    ("res_id", "=", self.erasure_id),
                    ("activity_type_id", "=", env.ref(REMINDER).id),
                ]
            )
            erasure = env["cmr.privacy.erasure"].browse(self.erasure_id)
            return len(activities), erasure.state, bool(erasure.date_reminded)

    def _remind(self, env):
        reminded = env["cmr.privacy.erasure"]._cron_remind_due()
        return self.erasure_id in reminded.ids

    def _refuse(self, env):
        erasure = env["cmr.privacy.erasure"].browse(self.erasure_id)
        erasure.action_refuse()
        return erasure.state

    def test_two_reminder_runs_at_once(self):
        outcome = self.race(self._remind)
        self.assertTrue(outcome["first"])
        self.assertFalse(outcome.get("result"), outcome)
        count, _state, reminded = self._open_reminders()
        self.assertTrue(reminded)
        with committed_env() as env:
            managers = (
                env["res.users"]
                .search(
                    [
                        ("groups_id", "in", env.ref("cmr_module.group_cmr_manager").id),
                        ("share", "=", False),
                    ]
                )
                .filtered(lambda u: env.company in u.company_ids)
            )
        self.assertEqual(count, len(managers))

    def test_reminder_while_the_manager_refuses(self):
        outcome = self.race(self._remind, self._refuse, uid=self.manager_uid)
        self.assertTrue(outcome["first"])
        self.assertEqual(outcome.get("result"), "refused", outcome)
        count, state, _reminded = self._open_reminders()
        self.assertEqual((count, state), (0, "refused"), "the to-do is closed")

    def test_manager_refuses_while_the_reminder_runs(self):
        outcome = self.race(self._refuse, self._remind, uid=self.manager_uid)
        self.assertEqual(outcome["first"], "refused")
        self.assertFalse(outcome.get("result"), outcome)
        count, state, reminded = self._open_reminders()
        self.assertEqual((count, state, reminded), (0, "refused", False))

    def test_export_cron_while_the_customer_asks_again(self):
        """The scheduled build and the portal request in two transactions:
        while the build is not committed, a new request is refused (one
        export at a time); once it is, the new request is queued, and each
        export is built once."""
        with committed_env() as env:
            partner = env["res.partner"].browse(self.partner_id)
            first_id = env["cmr.privacy.export"]._request(partner).id
        with committed_env() as cron_env, committed_env() as portal_env:
            cron_env["cmr.privacy.export"]._cron_build_exports()
            partner = portal_env["res.partner"].browse(self.partner_id)
            with self.assertRaisesRegex(Exception, "already being prepared"):
                with portal_env.cr.savepoint():
                    portal_env["cmr.privacy.export"]._request(partner)
            portal_env.cr.rollback()
        # The build is committed: a new request is welcome.
        with committed_env() as env:
            partner = env["res.partner"].browse(self.partner_id)
            second_id = env["cmr.privacy.export"]._request(partner).id
        with committed_env() as env:
            env["cmr.privacy.export"]._cron_build_exports()
        with committed_env() as env:
            exports = env["cmr.privacy.export"].browse([first_id, second_id])
            self.assertEqual(exports.mapped("state"), ["done", "done"])
            files = env["ir.attachment"].search_count(
                [
                    ("res_model", "=", "cmr.privacy.export"),
                    ("res_id", "in", exports.ids),
                ]
            )
            self.assertEqual(files, 2)
