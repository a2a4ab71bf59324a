from datetime import datetime, time, timedelta

import pytz

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

from .common import CmrPortalCase

SHANGHAI = pytz.timezone("Asia/Shanghai")


def care_fixture(cls):
    """Care fixture shared by the care test classes: a ladder (Gold, Plain),
    an alliance, a field team, services, entitlements and users."""
    env = cls.env
    cls.company = env.company
    cls.wechat = env.ref("cmr_module.cmr_channel_wechat")
    cls.ladder = env["cmr.tier.ladder"].create(
        {
            "name": "Care ladder",
            "company_id": cls.company.id,
            "active": False,
            "method": "threshold",
            "tier_ids": [
                Command.create({"name": "Gold", "sequence": 1, "bound": 80}),
                Command.create({"name": "Plain", "sequence": 2, "bound": 0}),
            ],
            "criterion_ids": [
                Command.create({"kind": "revenue", "weight": 100, "target": 1000})
            ],
        }
    )
    cls.gold, cls.plain = cls.ladder.tier_ids.sorted("sequence")
    cls.alliance = env["cmr.alliance"].create({"name": "Care fuel card"})
    cls.agent = new_test_user(
        env,
        login="cmr_care_agent",
        groups="cmr_module.group_cmr_user",
        name="Agent Zhou",
    )
    cls.agent2 = new_test_user(
        env,
        login="cmr_care_agent2",
        groups="cmr_module.group_cmr_user",
        name="Agent Qian",
    )
    cls.manager = new_test_user(
        env,
        login="cmr_care_manager",
        groups="cmr_module.group_cmr_manager",
        name="Manager Sun",
    )
    cls.team = env["crm.team"].create(
        {"name": "Care field team", "member_ids": [Command.link(cls.agent.id)]}
    )
    Service = env["cmr.care.service"]
    cls.inspection = Service.create(
        {
            "name": "Safety inspection",
            "duration": 1.0,
            "cost": 150,
            "team_id": cls.team.id,
            "step_ids": [
                Command.create({"sequence": 1, "name": "Check pipes"}),
                Command.create({"sequence": 2, "name": "Test detector"}),
            ],
        }
    )
    cls.cleaning = Service.create(
        {"name": "Tank cleaning", "duration": 2.0, "cost": 800, "team_id": cls.team.id}
    )
    Entitlement = env["cmr.care.entitlement"]
    cls.gold_inspection = Entitlement.create(
        {
            "service_id": cls.inspection.id,
            "source": "tier",
            "tier_id": cls.gold.id,
            "quota": 1,
            "period": "quarter",
        }
    )
    cls.card_inspection = Entitlement.create(
        {
            "service_id": cls.inspection.id,
            "source": "alliance",
            "alliance_id": cls.alliance.id,
            "quota": 1,
            "period": "year",
        }
    )


def make_customer(cls, name, tier=None, card=False, **values):
    """A customer in Shanghai with evening windows every day (19:00-21:30),
    WeChat first, of ``tier`` and holding the alliance's card if ``card``."""
    env = cls.env
    partner = env["res.partner"].create(
        {
            "name": name,
            "email": f"{name.lower().replace(' ', '.')}@example.com",
            "tz": "Asia/Shanghai",
            "lang": "en_US",
            "cmr_channel_pref_ids": [
                Command.create({"channel_id": cls.wechat.id, "sequence": 1})
            ],
            "cmr_window_ids": [
                Command.create(
                    {"weekday": str(day), "hour_from": 19.0, "hour_to": 21.5}
                )
                for day in range(7)
            ],
            **values,
        }
    )
    give_tier(cls, partner, tier)
    if card:
        env["cmr.membership"].create(
            {
                "partner_id": partner.id,
                "alliance_id": cls.alliance.id,
                "date_start": fields.Date.today() - timedelta(days=30),
            }
        )
    return partner


def give_tier(cls, partner, tier):
    if tier:
        cls.env["cmr.partner.tier"].create(
            {
                "partner_id": partner.id,
                "ladder_id": cls.ladder.id,
                "company_id": cls.company.id,
                "tier_id": tier.id,
                "score": 90,
            }
        )


def evening_slot(days=2, hour=19, minute=30):
    """Naive UTC of ``hour:minute`` Shanghai time, ``days`` days from now."""
    day = (datetime.now(SHANGHAI) + timedelta(days=days)).date()
    local = SHANGHAI.localize(datetime.combine(day, time(hour, minute)))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def committed_care_customer(env, label, quota):
    """A committed customer for two-transaction tests: a one-tier ladder
    whose tier gives ``quota`` visits a year of one service, and a customer
    in that tier with evening windows. Returns the ids (ladder, service,
    partner) for ``remove_committed_care_customer``."""
    ladder = env["cmr.tier.ladder"].create(
        {
            "name": f"{label} ladder",
            "active": False,
            "method": "threshold",
            "tier_ids": [Command.create({"name": f"{label} Gold", "bound": 0})],
            "criterion_ids": [
                Command.create({"kind": "revenue", "weight": 100, "target": 1})
            ],
        }
    )
    service = env["cmr.care.service"].create(
        {"name": f"{label} inspection", "duration": 1.0}
    )
    env["cmr.care.entitlement"].create(
        {
            "service_id": service.id,
            "source": "tier",
            "tier_id": ladder.tier_ids.id,
            "quota": quota,
            "period": "year",
        }
    )
    partner = env["res.partner"].create(
        {
            "name": f"{label} customer",
            "tz": "Asia/Shanghai",
            "cmr_window_ids": [
                Command.create(
                    {"weekday": str(day), "hour_from": 19.0, "hour_to": 21.5}
                )
                for day in range(7)
            ],
        }
    )
    env["cmr.partner.tier"].create(
        {
            "partner_id": partner.id,
            "ladder_id": ladder.id,
            "company_id": env.company.id,
            "tier_id": ladder.tier_ids.id,
        }
    )
    return {"ladder": ladder.id, "service": service.id, "partner": partner.id}


def remove_committed_care_customer(env, ids):
    """Remove what ``committed_care_customer`` made, and the visits and
    plans made for that customer since."""
    cr = env.cr
    for table in ("cmr_care_visit", "cmr_care_plan", "cmr_partner_tier"):
        cr.execute(
            f"DELETE FROM {table} WHERE partner_id = %s",  # noqa: S608
            [ids["partner"]],
        )
    cr.execute("DELETE FROM cmr_care_service WHERE id = %s", [ids["service"]])
    env["cmr.tier.ladder"].browse(ids["ladder"]).unlink()
    env["res.partner"].browse(ids["partner"]).unlink()


class CmrCareCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        care_fixture(cls)
        cls.gold_customer = make_customer(cls, "Gold Customer", tier=cls.gold)
        cls.card_customer = make_customer(cls, "Card Customer", card=True)
        cls.both_customer = make_customer(
            cls, "Both Customer", tier=cls.gold, card=True
        )
        cls.nobody = make_customer(cls, "Plain Customer", tier=cls.plain)

    def request(self, partner, service=None, slot=None, **values):
        return self.env["cmr.care.visit"].create(
            {
                "partner_id": partner.id,
                "service_id": (service or self.inspection).id,
                "date_start": slot or evening_slot(),
                **values,
            }
        )


class CmrCarePortalCase(CmrPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        care_fixture(cls)
        for partner in cls.partner_a | cls.partner_b:
            partner.write(
                {
                    "cmr_window_ids": [
                        Command.create(
                            {"weekday": str(day), "hour_from": 19.0, "hour_to": 21.5}
                        )
                        for day in range(7)
                    ]
                }
            )
            give_tier(cls, partner, cls.gold)
