from unittest.mock import patch

from odoo import Command
from odoo.tests import TransactionCase, tagged

from ..models.cmr_keyaccount_review import CmrKeyaccountReview
from .common import RaceMixin, committed_env

CRON = "cmr_module.ir_cron_cmr_keyaccount_plan_reviews"


def make_key_account(env, name, lead):
    """A key account without contact windows (met at 10:00 local) led by
    ``lead``."""
    partner = env["res.partner"].create(
        {"name": name, "is_company": True, "tz": "Asia/Shanghai"}
    )
    partner.write(
        {
            "cmr_key_account": True,
            "cmr_keyaccount_member_ids": [
                Command.create(
                    {
                        "user_id": lead.id,
                        "role_id": env.ref("cmr_module.cmr_keyaccount_role_lead").id,
                    }
                )
            ],
        }
    )
    return partner


def planned(env, partner_ids):
    """{partner id: number of planned reviews}."""
    counts = dict.fromkeys(partner_ids, 0)
    for review in env["cmr.keyaccount.review"].search(
        [("partner_id", "in", partner_ids), ("state", "=", "planned")]
    ):
        counts[review.partner_id.id] += 1
    return counts


@tagged("post_install", "-at_install")
class TestKeyaccountCronRace(RaceMixin, TransactionCase):
    """The scheduled action and a team member's "Plan the Next Review" at
    the same moment: one planned review, whichever goes first; the action
    does not fail on the key account planned meanwhile."""

    def _setup(self):
        with committed_env() as env:
            lead = env.ref("cmr_module.cmr_user_agent_li")
            partner = make_key_account(env, "Race Review Co", lead)
            return partner.id, lead.id

    def _cleanup(self, partner_id):
        with committed_env() as env:
            reviews = env["cmr.keyaccount.review"].search(
                [("partner_id", "=", partner_id)]
            )
            reviews.event_id.unlink()
            env["res.partner"].browse(partner_id).unlink()

    def _button(self, partner_id, lead_id):
        def press(env):
            partner = env["res.partner"].with_user(lead_id).browse(partner_id)
            return partner.action_cmr_plan_review()["res_id"]

        return press

    @staticmethod
    def _cron(env):
        return env["cmr.keyaccount.review"]._cron_plan_reviews().ids

    def test_scheduled_action_first_then_the_button(self):
        partner_id, lead_id = self._setup()
        try:
            with patch.object(CmrKeyaccountReview, "_send_invitations"):
                outcome = self.race(self._cron, self._button(partner_id, lead_id))
            self.assertIn("one planned review", outcome.get("error", ""), outcome)
            with committed_env() as env:
                self.assertEqual(planned(env, [partner_id]), {partner_id: 1})
        finally:
            self._cleanup(partner_id)

    def test_button_first_then_the_scheduled_action(self):
        partner_id, lead_id = self._setup()
        try:
            with patch.object(CmrKeyaccountReview, "_send_invitations"):
                outcome = self.race(self._button(partner_id, lead_id), self._cron)
            self.assertNotIn("error", outcome)
            with committed_env() as env:
                self.assertEqual(planned(env, [partner_id]), {partner_id: 1})
                review = env["cmr.keyaccount.review"].browse(outcome["first"])
                self.assertEqual(review.state, "planned")
                self.assertNotIn(review.id, outcome["result"])
                # Planned by the team member, not marked as having no slot.
                partner = env["res.partner"].browse(partner_id)
                self.assertFalse(partner.cmr_review_no_slot_date)
        finally:
            self._cleanup(partner_id)


@tagged("post_install", "-at_install")
class TestKeyaccountCronResume(TransactionCase):
    """The scheduled action plans key accounts a batch per call and says
    what remains; a call that crashes half-way loses its batch only, and
    the next run plans each key account exactly once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lead = cls.env.ref("cmr_module.cmr_user_agent_li")
        cls.partners = cls.env["res.partner"]
        for index in range(5):
            cls.partners |= make_key_account(cls.env, f"Batch Key {index}", lead)
        cls.cron = cls.env.ref(CRON)

    def _call(self, batch_size=2):
        """One call of the scheduler, committed (a savepoint here):
        returns what it reported as remaining."""
        cron, progress = self.cron._add_progress()
        with self.env.cr.savepoint():
            self.env["cmr.keyaccount.review"].with_context(
                ir_cron_progress_id=progress.id
            )._cron_plan_reviews(batch_size=batch_size)
        return progress.remaining

    def test_batches_report_progress(self):
        # The demo's key account already has its review planned.
        remaining = self._call()
        self.assertEqual(remaining, 3)
        self.assertEqual(self._call(), 1)
        self.assertEqual(self._call(), 0)
        self.assertEqual(
            planned(self.env, self.partners.ids), dict.fromkeys(self.partners.ids, 1)
        )

    def test_crash_in_the_second_batch_then_resume(self):
        self._call()
        first = self.env["cmr.keyaccount.review"].search(
            [("partner_id", "in", self.partners.ids)]
        )
        self.assertEqual(len(first), 2)

        def crash(reviews):
            raise RuntimeError("worker killed half-way")

        with (
            patch.object(CmrKeyaccountReview, "_send_invitations", crash),
            self.assertRaisesRegex(RuntimeError, "half-way"),
        ):
            self._call()
        self.env.invalidate_all()
        # The crashed batch left nothing behind.
        self.assertEqual(
            self.env["cmr.keyaccount.review"].search(
                [("partner_id", "in", self.partners.ids)]
            ),
            first,
        )
        # The scheduler runs it again until nothing remains.
        for _call in range(5):
            if not self._call():
                break
        self.assertEqual(
            planned(self.env, self.partners.ids), dict.fromkeys(self.partners.ids, 1)
        )
        self.assertTrue(first.exists())
        self.assertEqual(set(first.mapped("state")), {"planned"})
