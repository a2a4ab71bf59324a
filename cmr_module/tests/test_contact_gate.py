from datetime import datetime, timedelta

import pytz

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CmrCase, utc

# Monday 23 November 2026.
MONDAY = datetime(2026, 11, 23)


@tagged("post_install", "-at_install")
class TestContactGate(CmrCase):
    def test_allowed_in_shanghai_evening(self):
        # 20:00 in Shanghai is 12:00 UTC.
        answer = self.gate(
            self.collector, "wechat", "product_news", utc(2026, 11, 23, 12)
        )
        self.assertEqual(
            answer, {"allowed": True, "reason": False, "next_allowed": False}
        )

    def test_outside_window_gives_next_evening(self):
        # 18:00 in Shanghai: the window opens at 19:00, 11:00 UTC.
        answer = self.gate(
            self.collector, "wechat", "product_news", utc(2026, 11, 23, 10)
        )
        self.assertEqual(answer["reason"], "outside_window")
        self.assertEqual(answer["next_allowed"], utc(2026, 11, 23, 11))
        # 21:30 is the end of the window: refused, next evening at 19:00.
        answer = self.gate(
            self.collector, "wechat", "product_news", utc(2026, 11, 23, 13, 30)
        )
        self.assertEqual(answer["reason"], "outside_window")
        self.assertEqual(answer["next_allowed"], utc(2026, 11, 24, 11))

    def test_do_not_contact_wins_and_has_no_next_moment(self):
        self.collector.cmr_do_not_contact = True
        answer = self.gate(
            self.collector, "wechat", "product_news", utc(2026, 11, 23, 10)
        )
        self.assertEqual(
            answer,
            {"allowed": False, "reason": "do_not_contact", "next_allowed": False},
        )

    def test_channel_refused(self):
        answer = self.gate(self.collector, self.sms, None, utc(2026, 11, 23, 12))
        self.assertEqual(answer["reason"], "channel_refused")
        self.assertFalse(answer["next_allowed"])

    def test_topic_not_wanted(self):
        answer = self.gate(self.collector, "wechat", "promotion", utc(2026, 11, 23, 12))
        self.assertEqual(answer["reason"], "topic_not_wanted")
        self.assertFalse(answer["next_allowed"])

    def test_defaults_for_a_customer_without_charter(self):
        blank = self.Partner.create({"name": "No Charter", "tz": "Asia/Shanghai"})
        moment = utc(2026, 11, 23, 3)
        self.assertTrue(self.gate(blank, "email", "bill", moment)["allowed"])
        self.assertEqual(
            self.gate(blank, "sms", "bill", moment)["reason"], "channel_refused"
        )
        self.assertEqual(
            self.gate(blank, "email", "promotion", moment)["reason"], "topic_not_wanted"
        )

    def test_quiet_day_moves_to_next_day_window(self):
        self.collector.cmr_quiet_day_ids = [Command.create({"date": "2026-11-24"})]
        answer = self.gate(self.collector, "wechat", None, utc(2026, 11, 24, 12))
        self.assertEqual(answer["reason"], "quiet_day")
        self.assertEqual(answer["next_allowed"], utc(2026, 11, 25, 11))

    def test_window_across_midnight(self):
        driver = self.Partner.create(
            {
                "name": "Night Driver",
                "tz": "Asia/Shanghai",
                "cmr_channel_pref_ids": [Command.create({"channel_id": self.phone.id})],
                "cmr_window_ids": [
                    Command.create({"weekday": "0", "hour_from": 22.0, "hour_to": 6.0})
                ],
            }
        )
        # Tuesday 03:00 in Shanghai belongs to Monday's night window.
        self.assertTrue(
            self.gate(driver, "phone", None, utc(2026, 11, 23, 19))["allowed"]
        )
        # Monday 21:00: wait for 22:00.
        answer = self.gate(driver, "phone", None, utc(2026, 11, 23, 13))
        self.assertEqual(answer["reason"], "outside_window")
        self.assertEqual(answer["next_allowed"], utc(2026, 11, 23, 14))
        # Tuesday 06:00: the window closed, next Monday 22:00.
        answer = self.gate(driver, "phone", None, utc(2026, 11, 23, 22))
        self.assertEqual(answer["reason"], "outside_window")
        self.assertEqual(answer["next_allowed"], utc(2026, 11, 30, 14))

    def test_dst_change_in_new_york(self):
        office = self.Partner.create(
            {
                "name": "New York Office",
                "tz": "America/New_York",
                "cmr_window_ids": [
                    Command.create(
                        {"weekday": str(day), "hour_from": 9.0, "hour_to": 17.0}
                    )
                    for day in range(5)
                ],
            }
        )
        # Daylight saving time starts on Sunday 8 March 2026.
        # Monday 2 March 13:30 UTC is 08:30 EST: too early.
        self.assertEqual(
            self.gate(office, "email", None, utc(2026, 3, 2, 13, 30))["reason"],
            "outside_window",
        )
        # Monday 9 March 13:30 UTC is 09:30 EDT: allowed.
        self.assertTrue(
            self.gate(office, "email", None, utc(2026, 3, 9, 13, 30))["allowed"]
        )
        # Friday 6 March 22:00 UTC is 17:00 EST; Monday 09:00 EDT is 13:00 UTC.
        answer = self.gate(office, "email", None, utc(2026, 3, 6, 22))
        self.assertEqual(answer["reason"], "outside_window")
        self.assertEqual(answer["next_allowed"], utc(2026, 3, 9, 13))

    def test_weekly_cap_at_the_boundary(self):
        self.collector.cmr_channel_pref_ids.cap_month = 0
        # Sunday 22 November 21:00 Shanghai belongs to the previous week.
        self.make_contacts(self.collector, self.wechat, [utc(2026, 11, 22, 13)])
        self.make_contacts(self.collector, self.wechat, [utc(2026, 11, 23, 11)])
        # Contacts on another channel, or not made, do not count.
        self.make_contacts(self.collector, self.email, [utc(2026, 11, 24, 11)])
        self.make_contacts(
            self.collector, self.wechat, [utc(2026, 11, 24, 11)], state="refused"
        )
        moment = utc(2026, 11, 24, 12)
        self.assertTrue(self.gate(self.collector, "wechat", None, moment)["allowed"])
        self.make_contacts(self.collector, self.wechat, [utc(2026, 11, 24, 11)])
        answer = self.gate(self.collector, "wechat", None, moment)
        self.assertEqual(answer["reason"], "cap_reached")
        # Next Monday 19:00 in Shanghai.
        self.assertEqual(answer["next_allowed"], utc(2026, 11, 30, 11))

    def test_monthly_cap(self):
        self.make_contacts(
            self.collector,
            self.wechat,
            [utc(2026, 11, 3, 12), utc(2026, 11, 10, 12), utc(2026, 11, 17, 12)],
        )
        answer = self.gate(self.collector, "wechat", None, utc(2026, 11, 24, 12))
        self.assertEqual(answer["reason"], "cap_reached")
        # 1 December 19:00 in Shanghai.
        self.assertEqual(answer["next_allowed"], utc(2026, 12, 1, 11))

    def test_unknown_channel_or_topic(self):
        with self.assertRaises(UserError):
            self.collector.cmr_check_contact("pigeon")
        with self.assertRaises(UserError):
            self.collector.cmr_check_contact("wechat", "horoscope")

    def test_aware_moment_and_default_now(self):
        shanghai = pytz.timezone("Asia/Shanghai")
        aware = shanghai.localize(datetime(2026, 11, 23, 20))
        self.assertTrue(self.gate(self.collector, "wechat", None, aware)["allowed"])
        answer = self.collector.cmr_check_contact("wechat")
        self.assertIn(self.collector.id, answer)

    def test_unticking_every_channel_and_topic_means_none(self):
        customer = self.Partner.create(
            {
                "name": "Email only",
                "tz": "Asia/Shanghai",
                "cmr_channel_pref_ids": [Command.create({"channel_id": self.email.id})],
                "cmr_topic_ids": [Command.set(self.topic_bill.ids)],
            }
        )
        moment = utc(2026, 11, 23, 3)
        self.assertTrue(self.gate(customer, "email", "bill", moment)["allowed"])
        customer.write(
            {
                "cmr_channel_pref_ids": [Command.clear()],
                "cmr_topic_ids": [Command.clear()],
            }
        )
        # E-mail and bills are on by default: still refused, the customer
        # chose none.
        self.assertEqual(
            self.gate(customer, "email", None, moment)["reason"], "channel_refused"
        )
        customer.cmr_channel_pref_ids = [Command.create({"channel_id": self.email.id})]
        self.assertEqual(
            self.gate(customer, "email", "bill", moment)["reason"], "topic_not_wanted"
        )

    def test_zone_unknown_to_pytz_still_gets_an_answer(self):
        # A zone stored before the system's time-zone data dropped it.
        blank = self.Partner.create({"name": "Old zone", "tz": "Asia/Shanghai"})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET tz = 'Mars/Olympus' WHERE id = %s", [blank.id]
        )
        self.env.invalidate_all()
        answers = (blank | self.collector).cmr_check_contact(
            "email", "bill", utc(2026, 11, 23, 3)
        )
        self.assertEqual(set(answers), {blank.id, self.collector.id})
        self.assertTrue(answers[blank.id]["allowed"])

    def test_many_partners_in_constant_queries(self):
        def count_queries(partners):
            before = self.env.cr.sql_log_count
            answers = partners.cmr_check_contact(
                "wechat", None, MONDAY + timedelta(hours=10)
            )
            self.assertEqual(set(answers), set(partners.ids))
            return self.env.cr.sql_log_count - before

        def make(count):
            return self.Partner.create(
                [
                    {
                        "name": f"Customer {index}",
                        "tz": ["Asia/Shanghai", "Europe/Paris", False][index % 3],
                        "cmr_channel_pref_ids": [
                            Command.create(
                                {"channel_id": self.wechat.id, "cap_week": 1}
                            )
                        ],
                        "cmr_window_ids": [
                            Command.create(
                                {"weekday": "1", "hour_from": 8, "hour_to": 9}
                            )
                        ],
                    }
                    for index in range(count)
                ]
            )

        few, many = make(3), make(60)
        count_queries(few)  # warm the caches
        self.assertEqual(count_queries(few), count_queries(many))
