from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models import cmr_privacy_erasure as erasure_module
from ..models.cmr_care_entitlement import HOLDING_STATES
from .common import CmrPortalCase, run_queued
from .timeline_common import CmrTimelineCase


@tagged("post_install", "-at_install")
class TestPrivacyErasure(CmrTimelineCase):
    """Wang Ming of the demo (invoices, payments, a card with points,
    complaints, an adopted suggestion, a portal user) asks to be forgotten."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"cmr_do_not_contact": True})
        cls.old_email = cls.customer.email
        cls.old_name = cls.customer.name
        cls.other_suggestion = cls.env["cmr.suggestion"]._portal_submit(
            cls.customer,
            {
                "name": "Pending idea",
                "description": "Not decided",
                "category": "service",
            },
        )

    def _trial_balance(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT account_id, SUM(debit), SUM(credit), SUM(balance), "
            "SUM(amount_currency), COUNT(*) FROM account_move_line "
            "GROUP BY account_id ORDER BY account_id"
        )
        return self.env.cr.fetchall()

    def _request_and_approve(self):
        erasure = (
            self.env["cmr.privacy.erasure"]
            .with_user(self.agent)
            ._request(self.customer, "staff")
        )
        erasure.with_user(self.manager).action_approve()
        return erasure

    def test_user_files_manager_approves(self):
        erasure = (
            self.env["cmr.privacy.erasure"]
            .with_user(self.agent)
            ._request(self.customer, "staff")
        )
        self.assertEqual(erasure.state, "requested")
        self.assertEqual((erasure.due_date - erasure.date_requested.date()).days, 30)
        with self.assertRaisesRegex(AccessError, "Only a CMR Manager"):
            erasure.with_user(self.agent).action_approve()
        with self.assertRaises(UserError):
            self.env["cmr.privacy.erasure"].with_user(self.agent)._request(
                self.customer, "staff"
            )
        self.assertTrue(erasure.with_user(self.manager).open_complaint_count)
        erasure.with_user(self.manager).action_approve()
        self.assertEqual(erasure.state, "done")
        self.assertEqual(erasure.reviewer_id, self.manager)

    def test_staff_button_and_refusal(self):
        action = self.customer.with_user(self.agent).action_cmr_request_erasure()
        erasure = self.env["cmr.privacy.erasure"].browse(action["res_id"])
        self.assertEqual(
            (erasure.origin, erasure.requested_by_id), ("staff", self.agent)
        )
        with self.assertRaisesRegex(AccessError, "Only a CMR Manager"):
            erasure.with_user(self.agent).action_refuse()
        as_manager = erasure.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "Write why"):
            as_manager.action_refuse()
        as_manager.refusal_reason = "Open legal dispute about the last delivery."
        as_manager.action_refuse()
        self.assertEqual(erasure.state, "refused")
        self.assertEqual(erasure.log_ids[-1:].action, "refuse")
        self.assertFalse(self.customer.cmr_erased)
        self.assertEqual(self.customer.email, self.old_email)
        # Refused: a new request may be filed.
        self.env["cmr.privacy.erasure"].with_user(self.agent)._request(
            self.customer, "staff"
        )

    def test_erasure_keeps_the_books(self):
        before = self._trial_balance()
        moves = self.env["account.move"].search(
            [("commercial_partner_id", "=", self.customer.id), ("state", "=", "posted")]
        )
        self.assertTrue(moves)
        self._request_and_approve()
        self.assertEqual(self._trial_balance(), before)
        self.assertEqual(moves.exists(), moves)
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertEqual(moves.partner_id, self.customer)

    def test_everything_else_is_anonymised(self):
        complaint = self.complaint
        adopted = self.env.ref("cmr_module.cmr_suggestion_demo_sleeves")
        portal_user = self.portal_user
        cards = self.env["cmr.membership"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertTrue(any(cards._balances().values()))
        erasure = self._request_and_approve()
        customer = self.customer
        self.assertTrue(customer.cmr_erased)
        self.assertEqual(customer.name, erasure.pseudonym)
        self.assertNotIn("Wang", customer.name)
        self.assertFalse(customer.email or customer.phone or customer.street)
        self.assertFalse(customer.cmr_interest_ids or customer.cmr_channel_pref_ids)
        self.assertFalse(customer.active)
        lines = self.env["cmr.charter.log"].search([("partner_id", "=", customer.id)])
        self.assertTrue(lines, "the ledger keeps that changes happened")
        self.assertFalse(any(lines.mapped("old_value") + lines.mapped("new_value")))
        self.assertEqual(set(self.contact_made.mapped("subject")), {"anonymised"})
        self.assertFalse(self.contact_made.body)
        self.assertEqual(complaint.subject, "anonymised")
        self.assertFalse(complaint.description)
        self.assertFalse(complaint.message_ids)
        self.assertTrue(adopted.exists())
        self.assertEqual(
            adopted.partner_id, self.env.ref("cmr_module.cmr_partner_anonymous")
        )
        self.assertFalse(self.other_suggestion.exists())
        self.assertFalse(portal_user.active)
        self.assertNotEqual(portal_user.login, "portal.wechat")
        self.assertFalse(any(cards._balances().values()))
        messages = self.env["mail.message"].search(
            [
                "|",
                ("author_id", "=", customer.id),
                ("email_from", "ilike", self.old_email),
            ]
        )
        self.assertFalse(messages)
        self.assertFalse(
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(["|", ("email", "=", self.old_email), ("name", "=", self.old_name)])
        )
        # Confirmation by e-mail, although the customer chose do-not-contact.
        mail = self.env["mail.mail"].search([("email_to", "=", self.old_email)])
        self.assertEqual(len(mail), 1)
        self.assertIn("erased", mail.subject)
        actions = erasure.log_ids.mapped("action")
        self.assertEqual(actions[0], "request")
        self.assertEqual(actions[-1], "done")
        self.assertIn("confirm", actions)
        with self.assertRaises(UserError):
            erasure.log_ids[:1].write({"note": "nothing happened"})
        with self.assertRaises(UserError):
            erasure.log_ids[:1].unlink()

    def _care_snapshot(self, visits, gifts):
        visits.invalidate_recordset()
        gifts.invalidate_recordset()
        return (
            visits.read(["state", "notes", "outcome", "reason", "cost", "done_date"]),
            gifts.read(["state", "note", "value", "date"]),
        )

    def test_care_cancelled_anonymised_and_kept_for_kpis(self):
        """Open visits cancelled (the unit goes back), plans stopped, the done
        visit kept for the KPIs without notes, outcome, photos or rating
        comment, the gift kept for the budget, greetings gone; twice the
        same."""
        Visit = self.env["cmr.care.visit"]
        service = self.visit_done.service_id
        held = Visit.create({"partner_id": self.customer.id, "service_id": service.id})
        self.assertTrue(held.entitlement_id, "the request holds a unit")
        holding = [
            ("entitlement_id", "=", held.entitlement_id.id),
            ("state", "in", HOLDING_STATES),
        ]
        units_used = Visit.search_count(holding)
        plan = self.env["cmr.care.plan"].create(
            {"partner_id": self.customer.id, "service_id": service.id}
        )
        photo = self.env["ir.attachment"].create(
            {
                "name": "meter.jpg",
                "raw": b"photo of the gas meter",
                "res_model": "cmr.care.visit",
                "res_id": self.visit_done.id,
            }
        )
        self.visit_done.photo_ids = photo
        self.visit_done.sudo()._workflow_write({"cost": 45.0})
        rating = self.env["rating.rating"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("cmr.care.visit"),
                "res_id": self.visit_done.id,
                "partner_id": self.customer.id,
                "rating": 5,
                "feedback": "Mr Wang's cat loved the engineer",
                "consumed": True,
            }
        )
        self.env["cmr.care.greeting"]._record(
            [(self.customer.id, "birthday", False, self.visit_done.done_date.date())],
            "sent",
        )
        before = self._trial_balance()
        erasure = self._request_and_approve()
        self.assertEqual(self._trial_balance(), before)
        opened = self.visit_requested | self.visit_scheduled | held
        self.assertEqual(set(opened.mapped("state")), {"cancelled"})
        self.assertEqual(set(opened.mapped("reason")), {"Cancelled on erasure"})
        # The cancelled request no longer counts against the quota.
        self.assertEqual(Visit.search_count(holding), units_used - 1)
        self.assertFalse(plan.active)
        done = self.visit_done
        self.assertEqual(done.state, "done")
        self.assertEqual(done.partner_id, self.customer)
        self.assertEqual(done.cost, 45.0)
        self.assertTrue(done.on_time)
        self.assertFalse(done.notes or done.outcome or done.photo_ids)
        self.assertFalse(photo.exists())
        self.assertEqual(self.visit_cancelled.reason, "anonymised")
        self.assertTrue(rating.exists())
        self.assertEqual(rating.rating, 5)
        self.assertFalse(rating.feedback)
        self.assertEqual(self.gift.state, "confirmed")
        self.assertEqual(self.gift.value, 87.13)
        self.assertFalse(self.gift.note)
        self.assertEqual(self.gift_proposed.state, "cancelled")
        self.assertFalse(
            self.env["cmr.care.greeting"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
        self.assertIn("care", erasure.log_ids.mapped("action"))
        # Li Na's care is untouched.
        self.assertEqual(self.other_visit.notes, "Li Na care secret")
        self.assertEqual(self.other_visit.state, "requested")
        # A second run changes nothing.
        visits = Visit.search([("partner_id", "=", self.customer.id)])
        gifts = self.gift | self.gift_proposed
        snapshot = self._care_snapshot(visits, gifts)
        erasure.sudo()._erase_care(self.customer)
        self.assertEqual(self._care_snapshot(visits, gifts), snapshot)
        self.assertEqual(self._trial_balance(), before)

    def test_name_kept_where_the_law_requires_it(self):
        self.env.company.cmr_erasure_name_policy = "keep"
        self._request_and_approve()
        self.assertEqual(self.customer.name, self.old_name)
        self.assertFalse(self.customer.email)

    def test_idempotent_and_not_undone_by_an_import(self):
        erasure = self._request_and_approve()
        log_count = len(erasure.log_ids)
        balance = self._trial_balance()
        erasure._erase()
        self.assertEqual(len(erasure.log_ids), log_count)
        self.assertEqual(self._trial_balance(), balance)
        with self.assertRaises(UserError):
            erasure.with_user(self.manager).action_approve()
        with self.assertRaisesRegex(UserError, "forgotten"):
            self.customer.write({"email": self.old_email})
        result = self.env["res.partner"].load(
            ["id", "email"], [["cmr_module.cmr_partner_wang_ming", self.old_email]]
        )
        self.assertTrue(result["messages"])
        self.assertFalse(self.customer.email)
        with self.assertRaises(UserError):
            self.env["cmr.privacy.erasure"]._request(self.customer, "staff")


@tagged("post_install", "-at_install")
class TestPrivacyErasurePortal(CmrPortalCase):
    def test_customer_asks_for_erasure(self):
        self.login_a()
        token = self.csrf_token("/my/privacy")
        response = self.url_open("/my/privacy/erase", data={"csrf_token": token})
        self.assertIn("Tick the box", response.text)
        Erasure = self.env["cmr.privacy.erasure"]
        self.assertFalse(Erasure.search([("partner_id", "=", self.partner_a.id)]))
        response = self.url_open(
            "/my/privacy/erase", data={"csrf_token": token, "confirm": "on"}
        )
        self.assertIn("We received your request", response.text)
        response = self.url_open(
            "/my/privacy/erase", data={"csrf_token": token, "confirm": "on"}
        )
        self.assertIn("already open", response.text)
        erasure = Erasure.search([("partner_id", "=", self.partner_a.id)])
        self.assertEqual(len(erasure), 1)
        self.assertEqual(erasure.origin, "portal")
        self.login_b()
        self.assertNotIn("o_cmr_erasure_row", self.url_open("/my/privacy").text)
        with self.assertRaises(AccessError):
            erasure.with_user(self.user_b).read(["state"])


@tagged("post_install", "-at_install")
class TestPrivacyErasureCards(CmrTimelineCase):
    """The cards' balances at erasure follow each alliance's rule."""

    _trial_balance = TestPrivacyErasure._trial_balance

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cmr_admin = new_test_user(
            cls.env,
            login="privacy_cmr_admin",
            groups="cmr_module.group_cmr_admin",
            name="CMR Administrator",
        )

    def _posted_trial_balance(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT l.account_id, SUM(l.debit), SUM(l.credit), SUM(l.balance) "
            "FROM account_move_line l JOIN account_move m ON m.id = l.move_id "
            "WHERE m.state = 'posted' GROUP BY l.account_id ORDER BY l.account_id"
        )
        return self.env.cr.fetchall()

    def _cards(self):
        cards = self.env["cmr.membership"].search(
            [("partner_id", "=", self.customer.id)]
        )
        balances = cards._balances()
        return cards.filtered(lambda c: balances.get(c.id, 0) > 0), balances

    def test_forfeit_by_default(self):
        cards, balances = self._cards()
        self.assertTrue(cards)
        self.assertEqual(
            set(cards.alliance_id.mapped("erasure_card_policy")), {"forfeit"}
        )
        before = self._trial_balance()
        erasure = (
            self.env["cmr.privacy.erasure"]
            .with_user(self.agent)
            ._request(self.customer, "staff")
        )
        self.assertIn("Forfeited", erasure.with_user(self.manager).card_plan)
        erasure.with_user(self.manager).action_approve()
        self.assertEqual(self._trial_balance(), before)
        self.assertFalse(any(cards._balances().values()))
        lines = self.env["cmr.points.line"].search(
            [
                ("membership_id", "in", cards.ids),
                ("reason", "=", "Forfeited on erasure"),
            ]
        )
        self.assertEqual(set(lines.mapped("kind")), {"adjust"})
        self.assertEqual(
            -sum(lines.mapped("points")), sum(balances[c.id] for c in cards)
        )
        self.assertFalse(erasure.credit_note_ids)
        self.assertIn(
            "forfeited",
            erasure.log_ids.filtered(lambda line: line.action == "cards").note,
        )

    def test_settle_makes_a_draft_credit_note(self):
        cards, balances = self._cards()
        card = cards[0]
        points = balances[card.id]
        alliance = card.alliance_id
        with self.assertRaises(AccessError):
            alliance.with_user(self.manager).write({"erasure_card_policy": "settle"})
        alliance.with_user(self.cmr_admin).write(
            {"erasure_card_policy": "settle", "erasure_point_value": 0.5}
        )
        before = self._posted_trial_balance()
        erasure = (
            self.env["cmr.privacy.erasure"]
            .with_user(self.agent)
            ._request(self.customer, "staff")
        )
        expected = card.company_id.currency_id.round(points * 0.5)
        self.assertIn(
            f"Settled: credit note of {expected}",
            erasure.with_user(self.manager).card_plan,
        )
        erasure.with_user(self.manager).action_approve()
        self.assertFalse(card._balances().get(card.id))
        line = self.env["cmr.points.line"].search(
            [("membership_id", "=", card.id), ("reason", "=", "Settled on erasure")]
        )
        self.assertEqual(
            (line.kind, line.points, line.amount), ("redeem", -points, expected)
        )
        self.assertFalse(line.agreement_id, "no merchant owes or is owed these points")
        note = erasure.credit_note_ids
        self.assertEqual(len(note), 1)
        self.assertEqual((note.move_type, note.state), ("out_refund", "draft"))
        self.assertEqual(note.partner_id, self.customer)
        self.assertEqual(note.amount_total, expected)
        self.assertIn(card.card_number, note.invoice_line_ids.name)
        # Posted books unchanged until the accountant posts the credit note.
        self.assertEqual(self._posted_trial_balance(), before)
        log = erasure.log_ids.filtered(lambda line: line.action == "cards").note
        self.assertIn("1 settled", log)
        self.assertIn(note.name or f"#{note.id}", log)
        self.assertEqual(card.state, "suspended")
        # Idempotent: a second run settles nothing more.
        erasure._erase()
        self.assertEqual(erasure.credit_note_ids, note)
        note.with_user(self.manager).action_post()
        self.assertEqual(note.state, "posted")

    def test_settle_in_each_card_company(self):
        """Cards of two companies' alliances: one draft credit note in each
        company, in its own sales journal and currency."""
        cards, balances = self._cards()
        card_a = cards[0]
        company_b = self.env["res.company"].create(
            {
                "name": "Erasure B Co",
                "currency_id": self.env.ref("base.CNY").id,
            }
        )
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=company_b, install_demo=False
        )
        alliance_b = self.env["cmr.alliance"].create(
            {
                "name": "B fuel club",
                "company_id": company_b.id,
                "erasure_card_policy": "settle",
                "erasure_point_value": 0.25,
            }
        )
        card_b = self.env["cmr.membership"].create(
            {"partner_id": self.customer.id, "alliance_id": alliance_b.id}
        )
        card_b._earn(200)
        card_a.alliance_id.with_user(self.cmr_admin).write(
            {"erasure_card_policy": "settle", "erasure_point_value": 0.5}
        )
        # The manager works in both companies.
        self.manager.write({"company_ids": [Command.link(company_b.id)]})
        erasure = (
            self.env["cmr.privacy.erasure"]
            .with_user(self.agent)
            ._request(self.customer, "staff")
        )
        self.assertIn("Settled: credit note of 50.0", erasure.card_plan)
        erasure.with_user(self.manager).action_approve()
        notes = erasure.credit_note_ids
        self.assertEqual(notes.company_id, card_a.company_id | company_b)
        note_b = notes.filtered(lambda m: m.company_id == company_b)
        self.assertEqual(
            (note_b.journal_id.company_id, note_b.currency_id, note_b.amount_total),
            (company_b, company_b.currency_id, 50.0),
        )
        note_a = notes - note_b
        self.assertEqual(note_a.journal_id.company_id, card_a.company_id)
        self.assertEqual(
            note_a.amount_total,
            card_a.company_id.currency_id.round(balances[card_a.id] * 0.5),
        )
        self.assertFalse((card_a | card_b)._balances().get(card_b.id))
        self.assertEqual(set(notes.mapped("state")), {"draft"})

    def test_settle_bad_value_refused(self):
        alliance = self._cards()[0][0].alliance_id
        with self.assertRaises(UserError):
            alliance.with_user(self.cmr_admin).write(
                {"erasure_card_policy": "settle", "erasure_point_value": 10**9}
            )


@tagged("post_install", "-at_install")
class TestPrivacyErasureQueued(CmrTimelineCase):
    """A customer with much history is erased by a background run."""

    def test_big_customer_erased_in_the_background(self):
        erasure = (
            self.env["cmr.privacy.erasure"]
            .with_user(self.agent)
            ._request(self.customer, "staff")
        )
        self.assertGreater(erasure._size(), 0)
        as_manager = erasure.with_user(self.manager)
        with patch.object(erasure_module, "ERASE_INLINE_MAX", 0):
            action = as_manager.action_approve()
        self.assertEqual(action["res_model"], "cmr.job")
        self.assertEqual(erasure.state, "requested")
        self.assertFalse(self.customer.cmr_erased)
        self.assertIn("queued", erasure.log_ids[-1:].note)
        # Approved: neither approved again nor refused meanwhile.
        with self.assertRaises(UserError):
            as_manager.action_approve()
        as_manager.refusal_reason = "Changed my mind"
        with self.assertRaises(UserError):
            as_manager.action_refuse()
        job = run_queued(self.env, action)
        self.assertEqual(job.state, "done", job.summary)
        self.assertEqual(job.user_id, self.manager)
        self.assertEqual(erasure.state, "done")
        self.assertTrue(self.customer.cmr_erased)
        self.assertEqual(erasure.reviewer_id, self.manager)
