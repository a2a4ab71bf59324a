from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT


@tagged("post_install", "-at_install")
class TestMiningMultiCompany(TransactionCase):
    """The mining center of company B (activity, history, churn reasons
    recorded and B's own reasons) is invisible to company A's CMR users and
    managers, in lists, reports and by id; customers see none of it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Mining B Co"})
        cls.customer = cls.env["res.partner"].create(
            {"name": "Shared Customer", "is_company": True}
        )

        def user(login, groups, companies):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=companies[0].id,
                company_ids=[(6, 0, [c.id for c in companies])],
            )

        cls.user_a = user("mc_user_a", "cmr_module.group_cmr_user", [cls.company_a])
        cls.manager_a = user(
            "mc_manager_a", "cmr_module.group_cmr_manager", [cls.company_a]
        )
        cls.manager_b = user(
            "mc_manager_b", "cmr_module.group_cmr_manager", [cls.company_b]
        )
        cls.portal = user("mc_portal", "base.group_portal", [cls.company_a])
        today = fields.Date.today()
        cls.activity_b = cls.env["cmr.mining.activity"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company_b.id,
                "state": "churned",
                "last_purchase_date": today.replace(year=today.year - 1),
                "revenue": 1000,
            }
        )
        cls.event_b = cls.env["cmr.mining.event"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company_b.id,
                "event": "churned",
                "to_state": "churned",
                "date": today,
                "last_purchase_date": today.replace(year=today.year - 1),
            }
        )
        cls.reason_b = cls.env["cmr.mining.churn.reason"].create(
            {"name": "B-ONLY REASON", "code": "b_only", "company_id": cls.company_b.id}
        )
        cls.record_b = (
            cls.env["cmr.mining.churn.record"]
            .with_company(cls.company_b)
            .create(
                {
                    "partner_id": cls.customer.id,
                    "company_id": cls.company_b.id,
                    "reason_id": cls.reason_b.id,
                }
            )
        )
        cls.env.flush_all()

    def test_company_a_staff_see_nothing_of_company_b(self):
        records = {
            "cmr.mining.activity": self.activity_b,
            "cmr.mining.event": self.event_b,
            "cmr.mining.churn.record": self.record_b,
            "cmr.mining.churn.reason": self.reason_b,
        }
        for staff in (self.user_a, self.manager_a):
            for model, record in records.items():
                with self.subTest(user=staff.login, model=model):
                    Model = self.env[model].with_user(staff)
                    self.assertFalse(Model.search([("id", "=", record.id)]))
                    with self.assertRaises(AccessError):
                        record.with_user(staff).read(["display_name"])
        for model in ("cmr.mining.churn.report", "cmr.mining.pareto.report"):
            with self.subTest(model=model):
                rows = (
                    self.env[model]
                    .with_user(self.manager_a)
                    .search([("partner_id", "=", self.customer.id)])
                )
                self.assertFalse(rows)
        # The customer's own fields say nothing of B either.
        customer = self.customer.with_user(self.manager_a)
        self.assertFalse(customer.cmr_activity_state)
        self.assertEqual(customer.cmr_churn_reason_count, 0)

    def test_company_b_manager_sees_company_b(self):
        Record = self.env["cmr.mining.churn.record"].with_user(self.manager_b)
        self.assertEqual(Record.search([("id", "=", self.record_b.id)]), self.record_b)
        rows = (
            self.env["cmr.mining.churn.report"]
            .with_user(self.manager_b)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(rows.reason_id, self.reason_b)

    def test_a_staff_cannot_record_company_b_reason(self):
        self.env["cmr.mining.activity"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company_a.id,
                "state": "at_risk",
            }
        )
        with self.assertRaises(Exception):  # noqa: B017 - access or company check
            self.env["cmr.mining.churn.record"].with_user(self.user_a).create(
                {"partner_id": self.customer.id, "reason_id": self.reason_b.id}
            )
            self.env.flush_all()

    def test_portal_reads_nothing_of_the_mining_center(self):
        for model in (
            "cmr.mining.activity",
            "cmr.mining.event",
            "cmr.mining.churn.record",
            "cmr.mining.churn.reason",
            "cmr.mining.churn.report",
            "cmr.mining.pareto.report",
        ):
            with self.subTest(model=model):
                self.assertFalse(
                    self.env[model].with_user(self.portal).has_access("read")
                )
        # The portal's churn question offers company A's reasons only.
        offered = self.env["cmr.mining.churn.reason"]._portal_reasons(self.company_a)
        self.assertNotIn(self.reason_b, offered)
        self.assertIn(
            self.reason_b,
            self.env["cmr.mining.churn.reason"]._portal_reasons(self.company_b),
        )
