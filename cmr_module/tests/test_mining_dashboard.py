from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .mining_common import CmrMiningCase


@tagged("post_install", "-at_install")
class TestMiningDashboard(CmrMiningCase):
    """The CMR Overview's figures equal the records behind them, as a
    manager reads them, through every saved favourite."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="mining_manager",
            groups="cmr_module.group_cmr_manager",
            name="Mining Manager",
        )
        cls.agent = new_test_user(
            cls.env,
            login="mining_agent_b",
            groups="cmr_module.group_cmr_user",
            name="Mining Agent B",
        )
        # Ten customers: the first two bring 80 % of the revenue.
        cls.customers = []
        amounts = [4000, 4000, 250, 250, 250, 250, 250, 250, 250, 250]
        for index, amount in enumerate(amounts):
            category = cls.fleet if index < 2 else cls.homes
            customer = cls._customer(f"Pareto {index}", cmr_category_id=category.id)
            cls._purchases(customer, [40, 20], amount)
            cls.customers.append(customer)
        cls.gone = cls._customer("Pareto gone", cmr_category_id=cls.homes.id)
        cls._purchases(cls.gone, [400, 380, 370])
        cls.engine._run_churn(cls.company, cls.today)
        cls.engine._run_clv(cls.company, cls.today)
        cls.ours = [c.id for c in cls.customers] + [cls.gone.id]

    def test_pareto_figures_equal_the_activity_rows(self):
        Report = self.env["cmr.mining.pareto.report"].with_user(self.manager)
        domain = [("partner_id", "in", self.ours)]
        rows = Report._read_group(
            domain, ["category_id"], ["revenue:sum", "margin:sum"]
        )
        activity = self.env["cmr.mining.activity"].search(domain)
        for category, revenue, margin in rows:
            mine = activity.filtered(lambda a, c=category: a.category_id == c)
            self.assertAlmostEqual(revenue, sum(mine.mapped("revenue")))
            self.assertAlmostEqual(margin, sum(mine.mapped("margin")))
        # Fleet: 2 customers × 2 × 4,000 of 2 × 2 × 4,000 + 8 × 2 × 250 +
        # the gone customer's 0 in the window: 80 % (of this test's customers).
        [[fleet_revenue]] = Report._read_group(
            [*domain, ("category_id", "=", self.fleet.id)], [], ["revenue:sum"]
        )
        [[total]] = Report._read_group(domain, [], ["revenue:sum"])
        self.assertAlmostEqual(fleet_revenue / total, 0.8)
        # The share column sums to 100 % over the whole company.
        [[share]] = Report._read_group([], [], ["revenue_share:sum"])
        self.assertAlmostEqual(share, 100, places=4)
        # Drill-down: the top tenth is the biggest customers of the company.
        top = Report.search([("bucket", "=", "01")])
        all_rows = Report.search([])
        self.assertEqual(len(top), -(-len(all_rows) // 10))
        self.assertGreaterEqual(
            min(top.mapped("revenue")), max((all_rows - top).mapped("revenue"))
        )

    def test_churn_figures_equal_the_events(self):
        Report = self.env["cmr.mining.churn.report"].with_user(self.manager)
        rows = Report._read_group([], ["category_id", "event"], ["customer_count:sum"])
        Event = self.env["cmr.mining.event"]
        self.assertTrue(rows)
        for category, event, count in rows:
            domain = [("category_id", "=", category.id), ("event", "=", event)]
            self.assertEqual(count, Event.search_count(domain))
            # Drilling down opens the same events.
            self.assertEqual(Report.search(domain).event_id, Event.search(domain))
        gone = Report.search([("partner_id", "=", self.gone.id)])
        self.assertEqual(gone.mapped("event"), ["churned"])

    def test_refusals_figures_equal_the_contact_log(self):
        Contact = self.env["cmr.contact"]
        self.make_refusal = Contact._send(
            self.customers[0] | self.customers[1],
            "sms",
            None,
            "Hello",
            "<p>Hello</p>",
        )
        rows = Contact.with_user(self.manager)._read_group(
            [("refusal_reason", "!=", False)], ["refusal_reason"], ["__count"]
        )
        self.assertTrue(rows)
        for reason, count in rows:
            self.assertEqual(
                count, Contact.search_count([("refusal_reason", "=", reason)])
            )

    def test_every_favourite_opens_for_a_manager(self):
        filters = self.env["ir.filters"].search([("id", "in", self._favourite_ids())])
        self.assertGreaterEqual(len(filters), 10)
        for favourite in filters:
            with self.subTest(favourite=favourite.name):
                Model = self.env[favourite.model_id].with_user(self.manager)
                domain = safe_eval(favourite.domain)
                context = safe_eval(favourite.context)
                groupby = context["group_by"]
                Model._read_group(domain, groupby, ["__count"])
                self.assertEqual(
                    self.env["ir.actions.act_window"]
                    .browse(favourite.action_id.id)
                    .res_model,
                    favourite.model_id,
                )

    def test_overview_is_for_managers(self):
        with self.assertRaises(AccessError):
            self.env["cmr.mining.pareto.report"].with_user(self.agent).search([])
        menu = self.env.ref("cmr_module.cmr_mining_menu_overview")
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids()
        )
        self.assertNotIn(
            menu.id, self.env["ir.ui.menu"].with_user(self.agent)._visible_menu_ids()
        )

    def _favourite_ids(self):
        return (
            self.env["ir.model.data"]
            .search(
                [
                    ("module", "=", "cmr_module"),
                    ("model", "=", "ir.filters"),
                    ("name", "like", "cmr_mining_filter_%"),
                ]
            )
            .mapped("res_id")
        )
