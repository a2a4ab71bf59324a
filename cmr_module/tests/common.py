import re
from datetime import datetime

from odoo import Command
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.base.tests.common import (
    DISABLED_MAIL_CONTEXT,
    HttpCaseWithUserPortal,
)

# Fields every record carries, and the chatter's (mail.thread decides which
# messages a portal user reads): allowed in every portal allow-list.
RECORD_FIELDS = frozenset(
    {"id", "display_name", "create_date", "create_uid", "write_date", "write_uid"}
)
CHATTER_FIELDS = frozenset(
    {
        "has_message",
        "message_has_error",
        "message_has_error_counter",
        "message_has_sms_error",
        "message_ids",
        "message_is_follower",
        "message_needaction",
        "message_needaction_counter",
        "website_message_ids",
    }
)


def readable_fields(model, user):
    """The fields of ``model`` that ``user`` can read through RPC."""
    env = model.with_user(user).env
    return {name for name, field in model._fields.items() if field.is_accessible(env)}


class CmrCase(TransactionCase):
    """Catalogue records and a few customers with known charters."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        ref = cls.env.ref
        cls.email = ref("cmr_module.cmr_channel_email")
        cls.sms = ref("cmr_module.cmr_channel_sms")
        cls.phone = ref("cmr_module.cmr_channel_phone")
        cls.wechat = ref("cmr_module.cmr_channel_wechat")
        cls.topic_news = ref("cmr_module.cmr_topic_product_news")
        cls.topic_promo = ref("cmr_module.cmr_topic_promotion")
        cls.topic_bill = ref("cmr_module.cmr_topic_bill")
        cls.topic_relationship = ref("cmr_module.cmr_topic_relationship")
        cls.stamps = ref("cmr_module.cmr_interest_stamps")
        cls.Partner = cls.env["res.partner"]
        # Evening WeChat only, Shanghai time, at most 2 a week and 3 a month.
        cls.collector = cls.Partner.create(
            {
                "name": "Stamp Collector",
                "email": "collector@example.com",
                "tz": "Asia/Shanghai",
                "cmr_interest_ids": [Command.set(cls.stamps.ids)],
                "cmr_topic_ids": [
                    Command.set((cls.topic_news | cls.topic_relationship).ids)
                ],
                "cmr_channel_pref_ids": [
                    Command.create(
                        {
                            "channel_id": cls.wechat.id,
                            "sequence": 1,
                            "cap_week": 2,
                            "cap_month": 3,
                        }
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
        cls.cmr_user = new_test_user(
            cls.env,
            login="cmr_agent",
            groups="cmr_module.group_cmr_user",
            name="CMR Agent",
        )

    def make_contacts(self, partner, channel, moments, state="sent"):
        return self.env["cmr.contact"].create(
            [
                {
                    "partner_id": partner.id,
                    "channel_id": channel.id,
                    "subject": "Earlier contact",
                    "date": moment,
                    "state": state,
                }
                for moment in moments
            ]
        )

    def gate(self, partner, channel, topic=None, moment=None):
        return partner.cmr_check_contact(channel, topic, moment)[partner.id]


@tagged("post_install", "-at_install")
class CmrPortalCase(HttpCaseWithUserPortal):
    """Two portal customers in Shanghai who accept WeChat first: Odoo's own
    portal user (``portal``, customer A) and ``cmr_portal_b`` (customer B)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.wechat = cls.env.ref("cmr_module.cmr_channel_wechat")
        cls.sms = cls.env.ref("cmr_module.cmr_channel_sms")
        cls.user_a = cls.user_portal
        cls.user_b = new_test_user(
            cls.env,
            login="cmr_portal_b",
            groups="base.group_portal",
            name="Other Customer",
        )
        cls.partner_a = cls.user_a.partner_id
        cls.partner_b = cls.user_b.partner_id
        for partner in cls.partner_a | cls.partner_b:
            partner.write(
                {
                    "tz": "Asia/Shanghai",
                    "lang": "en_US",
                    "cmr_channel_pref_ids": [
                        Command.create({"channel_id": cls.wechat.id, "sequence": 1})
                    ],
                }
            )

    def login_a(self):
        self.authenticate(self.user_a.login, self.user_a.login)

    def login_b(self):
        self.authenticate(self.user_b.login, self.user_b.login)

    def csrf_token(self, url):
        """The form token of the page at ``url``, as the logged-in user."""
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)


def utc(*args):
    return datetime(*args)
