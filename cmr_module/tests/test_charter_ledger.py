from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import CmrCase


@tagged("post_install", "-at_install")
class TestCharterLedger(CmrCase):
    def ledger(self, partner):
        return self.env["cmr.charter.log"].search([("partner_id", "=", partner.id)])

    def test_creation_is_recorded_as_consent(self):
        lines = self.ledger(self.collector)
        granted = lines.filtered(lambda line: line.consent == "granted")
        self.assertEqual(granted.channel_id, self.wechat)
        self.assertEqual(granted.topic_id, self.topic_news | self.topic_relationship)
        self.assertIn("Stamp Collecting", lines.mapped("new_value"))
        self.assertEqual(set(lines.mapped("source")), {"system"})

    def test_change_records_who_when_old_and_new(self):
        before = self.ledger(self.collector)
        partner = self.collector.with_user(self.cmr_user).with_context(
            cmr_change_source="backend"
        )
        partner.write(
            {
                "cmr_preferred_place": "office",
                "cmr_topic_ids": [Command.unlink(self.topic_news.id)],
            }
        )
        partner.cmr_channel_pref_ids.cap_week = 5
        new = self.ledger(self.collector) - before
        self.assertEqual(len(new), 3)
        self.assertEqual(new.user_id, self.cmr_user)
        self.assertEqual(set(new.mapped("source")), {"backend"})
        place = new.filtered(lambda line: line.field_name == "cmr_preferred_place")
        self.assertEqual((place.old_value, place.new_value), (False, "Office"))
        withdrawn = new.filtered(lambda line: line.consent == "withdrawn")
        self.assertEqual(withdrawn.topic_id, self.topic_news)
        cap = new.filtered(lambda line: line.field_name == "cmr.channel.preference")
        self.assertIn("2/week", cap.old_value)
        self.assertIn("5/week", cap.new_value)

    def test_removing_a_channel_withdraws_consent(self):
        self.collector.cmr_channel_pref_ids.unlink()
        line = self.ledger(self.collector)[:1]
        self.assertEqual(line.consent, "withdrawn")
        self.assertEqual(line.channel_id, self.wechat)
        self.assertFalse(line.new_value)

    def test_unchanged_values_write_nothing(self):
        before = self.ledger(self.collector)
        self.collector.write({"cmr_interest_ids": [Command.set(self.stamps.ids)]})
        self.assertEqual(self.ledger(self.collector), before)

    def test_ledger_is_append_only_even_for_the_administrator(self):
        line = self.ledger(self.collector)[:1]
        admin = self.env.ref("base.user_admin")
        for ledger in (line, line.sudo(), line.with_user(admin)):
            with self.assertRaises(UserError):
                ledger.write({"new_value": "forged"})
            with self.assertRaises(UserError):
                ledger.unlink()
        self.assertNotEqual(line.new_value, "forged")
        self.assertTrue(line.exists())

    def test_staff_change_notifies_the_customer(self):
        contacts = self.env["cmr.contact"].search(
            [("partner_id", "=", self.collector.id)]
        )
        # A staff user claiming the change came from the portal (a context
        # any client can send) is still recorded as staff, and the customer
        # is told.
        self.collector.with_user(self.cmr_user).with_context(
            cmr_change_source="portal",
            default_user_id=self.env.ref("base.user_admin").id,
            default_date="2020-01-01 00:00:00",
        ).cmr_interest_ids = [
            Command.link(self.env.ref("cmr_module.cmr_interest_health").id)
        ]
        line = self.ledger(self.collector)[:1]
        self.assertEqual(line.source, "backend")
        self.assertEqual(line.user_id, self.cmr_user)
        self.assertGreater(line.date.year, 2020)
        notice = (
            self.env["cmr.contact"].search([("partner_id", "=", self.collector.id)])
            - contacts
        )
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice.topic_id, self.topic_relationship)
        self.assertEqual(notice.channel_id, self.wechat)
        # Sent at once or queued for the collector's evening, never lost.
        self.assertIn(notice.state, ("to_deliver", "queued"))
        self.assertIn("Health", notice.body)

    def test_charter_lines_stay_in_the_customers_company(self):
        other_company = self.env["res.company"].create({"name": "Other Gas Co"})
        other_agent = new_test_user(
            self.env,
            login="cmr_charter_other_agent",
            groups="cmr_module.group_cmr_user",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        customer = self.Partner.create(
            {
                "name": "Company customer",
                "company_id": self.env.company.id,
                "cmr_channel_pref_ids": [
                    Command.create({"channel_id": self.wechat.id})
                ],
            }
        )
        Preference = self.env["cmr.channel.preference"].with_user(other_agent)
        self.assertFalse(Preference.search([("partner_id", "=", customer.id)]))
        with self.assertRaises(AccessError):
            Preference.create({"partner_id": customer.id, "channel_id": self.sms.id})

    def test_customer_own_change_does_not_notify(self):
        contacts = self.env["cmr.contact"].search_count([])
        self.collector.with_context(
            cmr_change_source="portal"
        ).cmr_preferred_place = "home"
        self.assertEqual(self.env["cmr.contact"].search_count([]), contacts)

    def test_overlapping_windows_are_refused(self):
        before = self.ledger(self.collector)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.collector.cmr_window_ids = [
                Command.create({"weekday": "0", "hour_from": 21.0, "hour_to": 23.0})
            ]
        # A window across midnight overlapping the next morning's window.
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.Partner.create(
                {
                    "name": "Overlap",
                    "cmr_window_ids": [
                        Command.create({"weekday": "6", "hour_from": 22, "hour_to": 3}),
                        Command.create({"weekday": "0", "hour_from": 2, "hour_to": 4}),
                    ],
                }
            )
        self.assertEqual(len(self.collector.cmr_window_ids), 7)
        self.assertEqual(self.ledger(self.collector), before)

    def test_bad_hours_and_caps_are_refused(self):
        for values in (
            {"weekday": "2", "hour_from": 25.0, "hour_to": 26.0},
            {"weekday": "2", "hour_from": 8.0, "hour_to": 8.0},
            {"weekday": "2", "hour_from": -1.0, "hour_to": 8.0},
        ):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.collector.cmr_window_ids = [Command.create(values)]
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.collector.cmr_channel_pref_ids.cap_week = -1
        self.assertEqual(self.collector.cmr_channel_pref_ids.cap_week, 2)

    def test_export_holds_charter_and_ledger(self):
        data = self.collector._cmr_export_charter()
        self.assertEqual(data["channels"][0]["code"], "wechat")
        self.assertEqual(len(data["contact_windows"]), 7)
        self.assertTrue(data["ledger"])
        csv_text = self.collector._cmr_export_charter_csv()
        self.assertIn("WeChat", csv_text)
        self.assertIn("ledger", csv_text)
