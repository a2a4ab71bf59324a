from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import TransactionCase, tagged

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT


@tagged("post_install", "-at_install")
class TestCareGreeting(TransactionCase):
    """Greetings on the customer's day, in their time zone and window,
    through the gate: refused, then sent in the same day's window; never
    late by days, never twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.wechat = cls.env.ref("cmr_module.cmr_channel_wechat")
        cls.email = cls.env.ref("cmr_module.cmr_channel_email")
        Partner = cls.env["res.partner"]
        # Shanghai (UTC+8, no DST), evenings 19:00-21:30.
        cls.shanghai = Partner.create(
            {
                "name": "Shanghai Birthday",
                "tz": "Asia/Shanghai",
                "lang": "en_US",
                "cmr_birthday": date(1970, 3, 10),
                "cmr_channel_pref_ids": [
                    Command.create(
                        {"channel_id": cls.wechat.id, "sequence": 1, "cap_week": 1}
                    )
                ],
                "cmr_window_ids": [
                    Command.create(
                        {"weekday": str(day), "hour_from": 19.0, "hour_to": 21.5}
                    )
                    for day in range(7)
                ],
            }
        )
        # New York: daylight saving time starts on Sunday 8 March 2026.
        cls.new_york = Partner.create(
            {
                "name": "New York Birthday",
                "tz": "America/New_York",
                "lang": "en_US",
                "email": "ny@example.com",
                "cmr_birthday": date(1980, 3, 8),
                "cmr_channel_pref_ids": [
                    Command.create({"channel_id": cls.email.id, "sequence": 1})
                ],
                "cmr_window_ids": [
                    Command.create(
                        {"weekday": str(day), "hour_from": 9.0, "hour_to": 10.0}
                    )
                    for day in range(7)
                ],
            }
        )
        cls.mine = cls.shanghai | cls.new_york

    def run_greetings(self, moment):
        with freeze_time(moment):
            self.env["cmr.care.greeting"]._cron_send_greetings()
        return self.greetings()

    def greetings(self, partners=None):
        return self.env["cmr.care.greeting"].search(
            [("partner_id", "in", (partners or self.mine).ids)]
        )

    def test_on_the_day_in_their_time_zone_and_window_never_twice(self):
        # 20:00 on the 9th in Shanghai: not their day yet.
        self.assertFalse(self.run_greetings(datetime(2026, 3, 9, 12, 0)))
        # 00:30 on the 10th in Shanghai: their day, outside their window:
        # the gate allows it at 19:00 the same day, so it waits.
        self.assertFalse(self.run_greetings(datetime(2026, 3, 9, 16, 30)))
        # 19:30 in Shanghai: sent, on WeChat, in their language.
        greeting = self.run_greetings(datetime(2026, 3, 10, 11, 30))
        self.assertEqual(len(greeting), 1)
        self.assertEqual(
            (greeting.partner_id, greeting.occasion, greeting.state, greeting.day),
            (self.shanghai, "birthday", "sent", date(2026, 3, 10)),
        )
        contact = greeting.contact_id
        self.assertEqual(contact.channel_id, self.wechat)
        self.assertIn("Happy birthday", contact.subject)
        self.assertEqual(contact.state, "queued", "queued through the gate")
        # The contact log's scheduled action delivers it in the window.
        with freeze_time(datetime(2026, 3, 10, 11, 35)):
            self.env["cmr.contact"]._cron_send_queued()
        self.assertEqual(contact.state, "to_deliver", "WeChat: staff deliver it")
        # The next runs of the day: nothing more.
        self.assertEqual(self.run_greetings(datetime(2026, 3, 10, 12, 30)), greeting)
        self.assertEqual(self.run_greetings(datetime(2026, 3, 10, 13, 0)), greeting)

    def test_refused_for_the_day_is_dropped_not_sent_late(self):
        # One WeChat message a week, already sent: the gate allows the next
        # one only next week, so the greeting is dropped and logged.
        with freeze_time(datetime(2026, 3, 9, 11, 0)):
            self.env["cmr.contact"].create(
                {
                    "partner_id": self.shanghai.id,
                    "channel_id": self.wechat.id,
                    "subject": "Earlier",
                    "state": "sent",
                    "date": datetime(2026, 3, 9, 11, 0),
                }
            )
        greeting = self.run_greetings(datetime(2026, 3, 10, 11, 30))
        self.assertEqual(greeting.state, "dropped")
        self.assertEqual(greeting.refusal_reason, "cap_reached")
        self.assertFalse(greeting.contact_id)
        # The next week: not sent late.
        self.assertEqual(self.run_greetings(datetime(2026, 3, 16, 11, 30)), greeting)

    def test_daylight_saving_change(self):
        # 04:30 UTC on the 8th is still the 7th (23:30) in New York.
        self.assertFalse(self.run_greetings(datetime(2026, 3, 8, 4, 30)))
        # 13:30 UTC on the 8th: 09:30 EDT (clocks went forward at 02:00),
        # inside the window (it would be 08:30 in standard time).
        greeting = self.run_greetings(datetime(2026, 3, 8, 13, 30))
        self.assertEqual(greeting.partner_id, self.new_york)
        self.assertEqual(greeting.state, "sent")
        self.assertEqual(greeting.day, date(2026, 3, 8))

    def test_queued_greeting_expires_with_the_day(self):
        # Queued at 21:25 in Shanghai, the queue's run comes after 21:30: the
        # gate re-queues it for tomorrow evening; the next greetings run,
        # on the 11th, cancels it rather than send it a day late.
        greeting = self.run_greetings(datetime(2026, 3, 10, 13, 25))
        self.assertEqual(greeting.state, "sent")
        with freeze_time(datetime(2026, 3, 10, 13, 40)):
            self.env["cmr.contact"]._cron_send_queued()
        contact = greeting.contact_id
        self.assertEqual(contact.state, "queued")
        self.assertEqual(contact.scheduled_date, datetime(2026, 3, 11, 11, 0))
        self.run_greetings(datetime(2026, 3, 10, 15, 0))
        self.assertEqual(contact.state, "queued", "still the 10th in Shanghai")
        self.run_greetings(datetime(2026, 3, 10, 16, 30))
        self.assertEqual(contact.state, "cancelled")
        greeting.invalidate_recordset()
        self.assertEqual(
            (greeting.state, greeting.refusal_reason), ("dropped", "expired")
        )

    def test_daylight_saving_window_already_closed(self):
        # 14:15 UTC on the 8th is 10:15 EDT: the window closed at 10:00 and
        # opens again only tomorrow, so the greeting is dropped that day
        # (in standard time it would have been 09:15, inside the window).
        greeting = self.run_greetings(datetime(2026, 3, 8, 14, 15))
        self.assertEqual(greeting.state, "dropped")
        self.assertEqual(greeting.refusal_reason, "outside_window")

    def test_important_dates_and_leap_day(self):
        anniversary = self.env["cmr.important.date"].create(
            {
                "partner_id": self.new_york.id,
                "name": "Wedding anniversary",
                "date": date(2010, 6, 1),
                "yearly": True,
            }
        )
        leap = self.env["res.partner"].create(
            {"name": "Leap Day", "tz": "UTC", "cmr_birthday": date(1996, 2, 29)}
        )
        greeting = self.run_greetings(datetime(2026, 6, 1, 13, 30))
        self.assertEqual(greeting.important_date_id, anniversary)
        self.assertIn("Wedding anniversary", greeting.contact_id.subject)
        # 2026 has no 29 February: the 28th.
        with freeze_time(datetime(2026, 2, 28, 12, 0)):
            self.env["cmr.care.greeting"]._cron_send_greetings()
        self.assertEqual(len(self.greetings(leap)), 1)

    def test_the_days_greetings_are_found_in_one_query(self):
        Greeting = self.env["cmr.care.greeting"]
        self.env.flush_all()
        with freeze_time(datetime(2026, 3, 10, 11, 30)):
            Greeting._zones(datetime(2026, 3, 10, 11, 30))
            with self.assertQueryCount(2):  # the zones, then the greetings due
                due = Greeting._due(datetime(2026, 3, 10, 11, 30))
        self.assertIn(self.shanghai.id, [row[0] for row in due])

    def test_no_query_per_customer(self):
        """Twice the customers due, not twice the queries."""

        def run(count, moment):
            partners = self.env["res.partner"].create(
                [
                    {
                        "name": f"Batch {moment.day} {index}",
                        "tz": "UTC",
                        "email": f"batch{moment.day}.{index}@example.com",
                        "cmr_birthday": moment.date().replace(year=1980),
                    }
                    for index in range(count)
                ]
            )
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            with freeze_time(moment):
                greetings = self.env["cmr.care.greeting"]._cron_send_greetings()
            self.assertEqual(len(greetings & self.greetings(partners)), count)
            return self.env.cr.sql_log_count - start

        few = run(5, datetime(2026, 5, 4, 12, 0))
        many = run(50, datetime(2026, 5, 5, 12, 0))
        self.assertLessEqual(many, few + 5)
