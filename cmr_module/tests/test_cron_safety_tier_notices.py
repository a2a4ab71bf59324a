from odoo import Command, fields
from odoo.tests import common, new_test_user, tagged

from .common import RaceMixin, committed_env
from .cron_common import CronRunnerMixin, RaceAnyMixin, only
from .tier_common import CmrTierCase

CRON = "cmr_module.ir_cron_cmr_tier_notices"


def notices(env, partner_id):
    """{history line id: its reason} of the notices sent to the customer."""
    contacts = env["cmr.contact"].search(
        [("partner_id", "=", partner_id), ("res_model", "=", "cmr.tier.history")]
    )
    lines = env["cmr.tier.history"].browse(contacts.mapped("res_id"))
    return sorted(lines.mapped("reason"))


@tagged("post_install", "-at_install")
class TestCronSafetyTierNoticeRace(RaceMixin, RaceAnyMixin, common.BaseCase):
    """The notices' scheduled action and a CMR manager changing the same
    customer's tier by hand, in two committed transactions: the customer
    hears of the move that stands, never of one the manager just replaced."""

    def setUp(self):
        super().setUp()
        with committed_env() as env:
            company = env.company
            ladder = env["cmr.tier.ladder"].create(
                {
                    "name": "Cron safety ladder",
                    "company_id": company.id,
                    "active": False,
                    "method": "threshold",
                    "notice_template_id": env.ref(
                        "cmr_module.mail_template_cmr_tier_change"
                    ).id,
                    "notify_topic_id": env.ref("cmr_module.cmr_topic_relationship").id,
                    "tier_ids": [
                        Command.create({"name": "CS Gold", "sequence": 0, "bound": 70}),
                        Command.create({"name": "CS Low", "sequence": 1, "bound": 0}),
                    ],
                    "criterion_ids": [
                        Command.create({"kind": "revenue", "weight": 100, "target": 1})
                    ],
                }
            )
            gold, low = ladder.tier_ids.sorted("sequence")
            partner = env["res.partner"].create(
                {"name": "Cron safety tier customer", "lang": "en_US"}
            )
            standing = env["cmr.partner.tier"].create(
                {
                    "partner_id": partner.id,
                    "ladder_id": ladder.id,
                    "company_id": company.id,
                    "tier_id": gold.id,
                }
            )
            env["cmr.tier.history"].create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "ladder_id": ladder.id,
                    "date": fields.Datetime.now(),
                    "from_tier_id": low.id,
                    "to_tier_id": gold.id,
                    "direction": "up",
                    "reason": "evaluation",
                }
            )
            manager = new_test_user(
                env,
                login="cron_safety_tier_manager",
                groups="cmr_module.group_cmr_manager",
            )
            self.ids = {
                "ladder": ladder.id,
                "low": low.id,
                "partner": partner.id,
                "standing": standing.id,
                "manager": manager.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with committed_env() as env:
            cr = env.cr
            cr.execute(
                "DELETE FROM cmr_tier_change_wizard WHERE create_uid = %s",
                [self.ids["manager"]],
            )
            for table in ("cmr_contact", "cmr_tier_history", "cmr_partner_tier"):
                cr.execute(
                    f"DELETE FROM {table} WHERE partner_id = %s",  # noqa: S608
                    [self.ids["partner"]],
                )
            env["cmr.tier.ladder"].browse(self.ids["ladder"]).unlink()
            manager = env["res.users"].browse(self.ids["manager"])
            manager_partner = manager.partner_id
            manager.unlink()
            (manager_partner | env["res.partner"].browse(self.ids["partner"])).unlink()

    def change_by_hand(self, env):
        manager = env(user=self.ids["manager"])
        wizard = manager["cmr.tier.change.wizard"].create(
            {
                "standing_ids": [Command.set([self.ids["standing"]])],
                "tier_id": self.ids["low"],
                "lock": False,
                "reason": "Agreed with the customer",
            }
        )
        wizard.action_apply()
        return manager["cmr.partner.tier"].browse(self.ids["standing"]).tier_id.id

    def send_notices(self, env):
        partner_id = self.ids["partner"]
        with only(
            env["cmr.tier.history"],
            "_pending_notices",
            lambda lines: lines.filtered(lambda line: line.partner_id.id == partner_id),
        ):
            env["cmr.tier.history"]._cron_send_notices()
        return notices(env, partner_id)

    def test_cron_safety_change_by_hand_then_notices(self):
        outcome = self.race_any(self.change_by_hand, self.send_notices)
        self.assertEqual(outcome["first"], self.ids["low"])
        # The cron skipped the customer the manager held: no notice of the
        # replaced move; the manager's own move was announced.
        self.assertEqual(outcome["result"], [])
        with committed_env() as env:
            self.assertEqual(self.send_notices(env), ["manual"])

    def test_cron_safety_notices_then_change_by_hand(self):
        outcome = self.race(self.send_notices, self.change_by_hand)
        self.assertEqual(outcome["first"], ["evaluation"])
        self.assertEqual(outcome["result"], self.ids["low"])
        with committed_env() as env:
            # Told of each move in the order they happened, once each.
            self.assertEqual(
                notices(env, self.ids["partner"]), ["evaluation", "manual"]
            )
            self.assertEqual(self.send_notices(env), ["evaluation", "manual"])


@tagged("post_install", "-at_install")
class TestCronSafetyTierNoticeBatches(CronRunnerMixin, CmrTierCase):
    def test_cron_safety_notices_resume_after_a_crash(self):
        self.ladder.write(
            {
                "notice_template_id": self.env.ref(
                    "cmr_module.mail_template_cmr_tier_change"
                ).id,
                "notify_topic_id": self.env.ref("cmr_module.cmr_topic_relationship").id,
            }
        )
        History = self.env["cmr.tier.history"]
        partners = self.env["res.partner"].create(
            [{"name": f"Mover {index}", "lang": "en_US"} for index in range(5)]
        )
        self.env["cmr.partner.tier"].create(
            [
                {
                    "partner_id": partner.id,
                    "ladder_id": self.ladder.id,
                    "company_id": self.company.id,
                    "tier_id": self.gold.id,
                }
                for partner in partners
            ]
        )
        lines = History.create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "ladder_id": self.ladder.id,
                    "date": fields.Datetime.now(),
                    "from_tier_id": self.low.id,
                    "to_tier_id": self.gold.id,
                    "direction": "up",
                    "reason": "evaluation",
                }
                for partner in partners
            ]
        )
        with (
            only(History, "_pending_notices", lambda found: found & lines),
            self.crash_on_call(History, "_notify_customers", calls=(2,)),
        ):
            reports = self.run_cron(
                CRON,
                lambda env: env["cmr.tier.history"]._cron_send_notices(batch_size=2),
            )
        self.assertEqual(self.done_counts(reports), [2, "crash", 2, 1])
        contacts = self.env["cmr.contact"].search(
            [("res_model", "=", "cmr.tier.history"), ("res_id", "in", lines.ids)]
        )
        self.assertEqual(
            sorted(contacts.mapped("res_id")), sorted(lines.ids), "one notice each"
        )
