from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .complaint_common import FRIDAY_4PM, CmrComplaintCase


@tagged("post_install", "-at_install")
class TestComplaintKpi(CmrComplaintCase):
    """Timeliness counts the answered complaints, satisfaction the rated
    ones, reopen rate the answered ones; by team on the dashboard."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.desk = cls.env["crm.team"].create(
            {"name": "KPI desk", "user_id": cls.manager.id}
        )
        with freeze_time(FRIDAY_4PM):
            complaints = [
                cls._complaint(subject=f"KPI {index}", team_id=cls.desk.id)
                for index in range(4)
            ]
            cls.on_time, cls.late, cls.reopened, cls.waiting = complaints
            for complaint in complaints:
                complaint.action_acknowledge()
            # Deadline: Monday 11:00 (four business hours).
            cls.on_time.resolution = cls.reopened.resolution = "<p>Fixed</p>"
            (cls.on_time | cls.reopened).action_answer()
        with freeze_time(datetime(2026, 11, 23, 12, 0)):
            cls.late.resolution = "<p>Fixed, late</p>"
            cls.late.action_answer()
            (cls.on_time | cls.late).action_confirm()
            cls.on_time._rate(cls.on_time.partner_id, 5)
            cls.late._rate(cls.late.partner_id, 2)
            cls.reopened.action_reopen()

    def _kpis(self, domain=None, user=None):
        Report = self.env["cmr.complaint.report"]
        if user:
            Report = Report.with_user(user)
        [row] = Report._read_group(
            [("team_id", "=", self.desk.id), *(domain or [])],
            [],
            [
                "complaint_count:sum",
                "open_count:sum",
                "timeliness:avg",
                "satisfaction:avg",
                "satisfied_rate:avg",
                "reopen_rate:avg",
            ],
        )
        return row

    def test_rates_count_only_the_complaints_they_apply_to(self):
        count, open_count, timeliness, satisfaction, satisfied, reopen = self._kpis()
        self.assertEqual(count, 4)
        # reopened + waiting are open.
        self.assertEqual(open_count, 2)
        # Answered: on_time, late, reopened (its first answer was on time).
        self.assertAlmostEqual(timeliness, 200 / 3, places=2)
        # Rated: 5 and 2; the unrated ones do not pull it down to zero.
        self.assertAlmostEqual(satisfaction, 3.5)
        self.assertAlmostEqual(satisfied, 50.0)
        # One of the three answered was reopened.
        self.assertAlmostEqual(reopen, 100 / 3, places=2)

    def test_team_dashboard(self):
        with freeze_time(datetime(2026, 11, 23, 14, 0)):
            self.env.invalidate_all()
            desk = self.desk.with_user(self.manager)
            self.assertEqual(desk.cmr_complaint_open_count, 2)
            # The waiting one missed Monday 11:00; the reopened one has a
            # new deadline (Monday 17:00).
            self.assertEqual(desk.cmr_complaint_late_count, 1)
            self.assertEqual(desk.cmr_complaint_count, 4)
            self.assertEqual(desk.cmr_complaint_answered_count, 3)
            self.assertEqual(desk.cmr_complaint_rated_count, 2)
            self.assertAlmostEqual(desk.cmr_complaint_satisfaction, 3.5)
            self.assertAlmostEqual(desk.cmr_complaint_timeliness, 200 / 3, places=2)
            action = desk.action_cmr_late_complaints()
            late = self.env["cmr.complaint"].search(action["domain"])
            self.assertEqual(late, self.waiting)

    def test_dashboard_reads_do_not_grow_with_teams(self):
        teams = self.env["crm.team"].create(
            [{"name": f"Desk {index}"} for index in range(10)]
        )

        def count(records):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            records.mapped("cmr_complaint_timeliness")
            return self.env.cr.sql_log_count - before

        self.assertEqual(count(teams[:2]), count(teams))

    def test_agent_sees_the_kpis_of_what_they_handle(self):
        outsider_agent = new_test_user(
            self.env,
            login="cmr_kpi_other_agent",
            groups="cmr_module.group_cmr_user",
            name="Other Agent",
        )
        self.assertEqual(self._kpis(user=self.agent)[0], 4)
        rows = (
            self.env["cmr.complaint.report"]
            .with_user(outsider_agent)
            .search([("team_id", "=", self.desk.id)])
        )
        self.assertFalse(rows)
        self.assertEqual(self.desk.with_user(outsider_agent).cmr_complaint_count, 0)

    def test_old_complaints_leave_the_dashboard_rates(self):
        with freeze_time(FRIDAY_4PM + timedelta(days=120)):
            self.env.invalidate_all()
            self.assertEqual(self.desk.cmr_complaint_count, 0)
            self.assertEqual(self.desk.cmr_complaint_open_count, 2)
