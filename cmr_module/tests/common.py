import re
import threading
import time
from contextlib import contextmanager
from datetime import datetime

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, common, new_test_user, tagged

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


@contextmanager
def committed_env(uid=SUPERUSER_ID):
    """An environment on a new cursor, committed and closed at the end.

    Its day is the UTC day, the day of the users the tests create (they have
    no time zone), not the superuser's (Europe/Brussels in Odoo's demo data,
    a day ahead from 23:00 UTC)."""
    registry = Registry(common.get_db_name())
    with registry.cursor() as cr:
        yield api.Environment(cr, uid, {"tz": "UTC"})


class RaceMixin:
    """Two transactions at the same moment, as two requests would run."""

    def race(self, first, second=None, uid=SUPERUSER_ID):
        """Run ``first(env)`` in a transaction kept open while ``second(env)``
        (``first`` again by default) starts in another one, retried the way
        Odoo retries a request after a serialization failure.

        Returns what happened: ``first`` (the first's result), ``result`` or
        ``error`` (the second's result, or its refusal's message),
        ``attempts`` (how many times the second ran) and ``waited`` (whether
        it could finish only once the first had committed).
        """
        return run_race(self, first, second or first, uid)


def run_race(
    case,
    first,
    second,
    uid,
    second_uid=None,
    retry=True,
    hold=1.0,
    must_wait=True,
):
    """The race itself. ``must_wait``: the second must still be running
    after ``hold`` seconds (it waits for the first's locks); otherwise the
    first stays open until the second has finished or ``hold`` passed.
    ``retry=False`` runs the second once, as the cron worker runs a
    batch: a serialization failure loses the whole batch (``error``)."""
    outcome = {"attempts": 0}
    first_done = threading.Event()

    def second_request():
        try:
            with committed_env(second_uid or uid) as env:

                def attempt():
                    outcome["attempts"] += 1
                    return second(env)

                try:
                    if retry:
                        outcome["result"] = retrying(attempt, env)
                    else:
                        outcome["result"] = attempt()
                        env.flush_all()
                except UserError as error:
                    outcome["error"] = str(error)
                outcome["waited"] = first_done.is_set()
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcome["error"] = repr(error)

    with committed_env(uid) as env:
        outcome["first"] = first(env)
        env.flush_all()
        thread = threading.Thread(target=second_request)
        thread.start()
        if must_wait:
            time.sleep(hold)
            case.assertTrue(thread.is_alive(), "the second transaction must wait")
        else:
            thread.join(timeout=hold)
            time.sleep(0.1)
        first_done.set()
    # Leaving the block committed the first transaction and freed its locks.
    thread.join(timeout=30)
    case.assertFalse(thread.is_alive())
    if must_wait:
        case.assertTrue(outcome.get("waited"), outcome)
    return outcome


def utc(*args):
    return datetime(*args)


def run_queued(env, action):
    """Run, step by step, the background job a button queued and returned
    (``action`` opens it): triggered crons do not run inside tests."""
    job = env["cmr.job"].sudo().browse(action["res_id"])
    for _step in range(1000):
        if job.state in ("done", "failed"):
            break
        job._run_step()
    return job
