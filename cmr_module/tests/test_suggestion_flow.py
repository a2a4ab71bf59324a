from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .suggestion_common import CmrSuggestionCase


@tagged("post_install", "-at_install")
class TestSuggestionFlow(CmrSuggestionCase):
    def test_review_answer_adopt_tells_the_suggester(self):
        suggestion = self.submit()
        self.assertEqual(suggestion.stage, "submitted")
        self.assertTrue(suggestion.answer_deadline)
        as_reviewer = suggestion.with_user(self.reviewer)
        as_reviewer.action_review()
        self.assertEqual(suggestion.stage, "under_review")
        self.assertEqual(suggestion.user_id, self.reviewer)
        with self.assertRaises(UserError):
            as_reviewer.action_answer()  # no answer written yet
        as_reviewer.answer = "We like it and study the cost."
        as_reviewer.action_answer()
        self.assertEqual(suggestion.stage, "answered")
        self.assertTrue(suggestion.answered_in_time)
        contacts = self.env["cmr.contact"].search(
            [("res_model", "=", "cmr.suggestion"), ("res_id", "=", suggestion.id)]
        )
        self.assertEqual(len(contacts), 1, "the answer goes through the gate")
        self.assertEqual(contacts.channel_id, self.wechat)
        as_reviewer.action_adopt()
        self.assertEqual(suggestion.stage, "adopted")
        contacts = self.env["cmr.contact"].search(
            [("res_model", "=", "cmr.suggestion"), ("res_id", "=", suggestion.id)]
        )
        self.assertEqual(len(contacts), 2)
        self.assertIn("adopted", contacts.sorted("id")[-1].subject)
        with self.assertRaises(UserError):
            as_reviewer.action_decline()

    def test_customer_stat_button(self):
        self.submit()
        self.submit(name="Second idea")
        person = self.env["res.partner"].create(
            {"name": "Idea's buyer", "parent_id": self.suggester.id}
        )
        self.submit(person, name="From a contact")
        partner = self.suggester.with_user(self.reviewer)
        self.assertEqual(partner.cmr_suggestion_count, 3)
        action = partner.action_cmr_view_suggestions()
        found = (
            self.env["cmr.suggestion"].with_user(self.reviewer).search(action["domain"])
        )
        self.assertEqual(len(found), 3)

    def test_stage_is_not_written_directly(self):
        suggestion = self.submit()
        with self.assertRaises(UserError):
            suggestion.with_user(self.reviewer).write({"stage": "adopted"})

    def test_late_answer_counts_as_late(self):
        suggestion = self.submit()
        suggestion._workflow_write(
            {"answer_deadline": fields.Datetime.now() - timedelta(days=1)}
        )
        suggestion.with_user(self.reviewer).write({"answer": "Sorry for the wait."})
        suggestion.with_user(self.reviewer).action_answer()
        self.assertFalse(suggestion.answered_in_time)

    def test_support_once_per_customer_never_own(self):
        suggestion = self.submit()
        suggestion._portal_support(self.fan)
        self.assertEqual(suggestion.support_count, 1)
        with self.assertRaisesRegex(UserError, "already support"):
            suggestion._portal_support(self.fan)
        with self.assertRaisesRegex(UserError, "your own"):
            suggestion._portal_support(self.suggester)
        private = self.submit(is_public=False)
        with self.assertRaisesRegex(UserError, "Only public"):
            private._portal_support(self.fan)
        self.assertEqual(suggestion.support_count, 1)
        self.assertEqual(len(suggestion.support_ids), 1)

    def test_kpis_adoption_rate_and_in_time(self):
        ideas = [self.submit(name=f"Idea {index}") for index in range(4)]
        for idea in ideas:
            idea.with_user(self.reviewer).action_review()
        ideas[0].with_user(self.reviewer).action_adopt()
        ideas[1].with_user(self.reviewer).action_decline()
        ideas[2].with_user(self.reviewer).action_plan()
        self.env.flush_all()
        Report = self.env["cmr.suggestion.report"].with_user(self.reviewer)
        domain = [("suggestion_id", "in", [idea.id for idea in ideas])]
        [(count, adoption, in_time, decided)] = Report._read_group(
            domain,
            [],
            [
                "suggestion_count:sum",
                "adoption_rate:avg",
                "in_time_rate:avg",
                "decided_count:sum",
            ],
        )
        self.assertEqual(count, 4)
        self.assertEqual(decided, 3)
        self.assertAlmostEqual(adoption, 100 / 3, places=2)
        self.assertEqual(in_time, 100.0)
        by_category = Report._read_group(domain, ["category"], ["suggestion_count:sum"])
        self.assertEqual(by_category, [("service", 4)])

    def test_answer_days_configurable(self):
        self.env.company.cmr_suggestion_answer_days = 1
        quick = self.submit()
        self.env.company.cmr_suggestion_answer_days = 20
        slow = self.submit()
        self.assertLess(quick.answer_deadline, slow.answer_deadline)

    def test_portal_user_reads_own_and_public_only(self):
        portal_user = self.env["res.users"].create(
            {
                "name": "Fan Portal",
                "login": "fan_portal",
                "partner_id": self.fan.id,
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        public = self.submit()
        private = self.submit(is_public=False)
        Suggestion = self.Suggestion.with_user(portal_user)
        self.assertEqual(
            Suggestion.search([("id", "in", (public | private).ids)]), public
        )
        with self.assertRaises(AccessError):
            private.with_user(portal_user).read(["name"])
        with self.assertRaises(AccessError):
            public.with_user(portal_user).read(["internal_note"])
        with self.assertRaises(AccessError):
            public.with_user(portal_user).write({"name": "Mine now"})
