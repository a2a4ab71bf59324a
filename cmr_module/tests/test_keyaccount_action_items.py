from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .keyaccount_common import CmrKeyaccountCase


@tagged("post_install", "-at_install")
class TestKeyaccountActionItemWizard(CmrKeyaccountCase):
    """*Add an Action Item* on a review, as a team member: an activity of
    the review's type for another member; never for someone outside the
    team; nobody outside the team reaches the review."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.review = cls.Review.create(
            {"partner_id": cls.customer.id, "planned_date": cls.monday_9am_shanghai()}
        )

    def _wizard(self, user, **values):
        action = self.review.with_user(user).action_add_action_item()
        self.assertEqual(action["res_model"], "cmr.keyaccount.action.item.wizard")
        return (
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(**action["context"])
            .create(values)
        )

    def test_member_gives_a_colleague_an_action_item(self):
        wizard = self._wizard(
            self.seller,
            user_id=self.servant.id,
            summary="Fix the meter",
            date_deadline=date(2026, 12, 20),
        )
        self.assertEqual(wizard.member_user_ids, self.lead | self.seller | self.servant)
        wizard.action_add()
        activity = self.review.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.servant)
        self.assertEqual(activity.summary, "Fix the meter")
        self.assertEqual(activity.date_deadline, date(2026, 12, 20))
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("cmr_module.mail_activity_type_keyaccount_action"),
        )

    def test_not_for_someone_outside_the_team(self):
        wizard = self._wizard(
            self.lead, user_id=self.outsider.id, summary="Call back the buyer"
        )
        with self.assertRefused("not on the team"):
            wizard.action_add()
        self.assertFalse(self.review.activity_ids)

    def test_outsider_cannot_reach_the_review(self):
        Wizard = self.env["cmr.keyaccount.action.item.wizard"].with_user(self.outsider)
        with self.assertRaises(AccessError):
            Wizard.create(
                {
                    "review_id": self.review.id,
                    "user_id": self.lead.id,
                    "summary": "Sneak in",
                }
            ).action_add()
        self.assertFalse(self.review.activity_ids)

    def test_bad_input_is_refused(self):
        for summary in ("Nul\x00byte", "x" * 500):
            with self.subTest(summary=summary[:10]), self.assertRaises(ValidationError):
                self._wizard(self.lead, user_id=self.seller.id, summary=summary)
