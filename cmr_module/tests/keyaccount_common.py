from contextlib import contextmanager
from datetime import datetime

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT


class CmrKeyaccountCase(TransactionCase):
    """A key account in Suzhou (Shanghai time, met at the office, Monday to
    Friday 9:00-11:30) with a team of three CMR users, an agent outside the
    team and a manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        ref = cls.env.ref
        cls.role_lead = ref("cmr_module.cmr_keyaccount_role_lead")
        cls.role_sales = ref("cmr_module.cmr_keyaccount_role_sales")
        cls.role_service = ref("cmr_module.cmr_keyaccount_role_service")
        cls.email = ref("cmr_module.cmr_channel_email")

        def user(login, name, groups="cmr_module.group_cmr_user"):
            return new_test_user(cls.env, login=login, groups=groups, name=name)

        cls.lead = user("ka_lead", "Lead Wu")
        cls.seller = user("ka_sales", "Sales Xu")
        cls.servant = user("ka_service", "Service Ma")
        cls.outsider = user("ka_outsider", "Agent Outside")
        cls.manager = user("ka_manager", "Manager Fang", "cmr_module.group_cmr_manager")
        cls.portal_user = user("ka_portal", "Portal Person", "base.group_portal")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Key Precision Ltd",
                "is_company": True,
                "tz": "Asia/Shanghai",
                "city": "Suzhou",
                "email": "buyer@key.example.com",
                "lang": "en_US",
                "cmr_preferred_place": "office",
                "cmr_channel_pref_ids": [
                    Command.create({"channel_id": cls.email.id, "sequence": 1})
                ],
                "cmr_window_ids": [
                    Command.create(
                        {"weekday": str(day), "hour_from": 9.0, "hour_to": 11.5}
                    )
                    for day in range(5)
                ],
            }
        )
        cls.buyer = cls.env["res.partner"].create(
            {
                "name": "Buyer Zhou",
                "parent_id": cls.customer.id,
                "email": "zhou@key.example.com",
                "lang": "en_US",
                "cmr_channel_pref_ids": [
                    Command.create({"channel_id": cls.email.id, "sequence": 1})
                ],
            }
        )
        cls.customer.write(
            {
                "cmr_key_account": True,
                "cmr_keyaccount_member_ids": [
                    Command.create(
                        {"user_id": cls.lead.id, "role_id": cls.role_lead.id}
                    ),
                    Command.create(
                        {"user_id": cls.seller.id, "role_id": cls.role_sales.id}
                    ),
                    Command.create(
                        {"user_id": cls.servant.id, "role_id": cls.role_service.id}
                    ),
                ],
            }
        )
        cls.Review = cls.env["cmr.keyaccount.review"]

    @contextmanager
    def assertRefused(self, pattern):
        """A ValidationError matching ``pattern``, and the savepoint rolled
        back (``assertRaisesRegex`` does not roll back)."""
        with self.assertRaises(ValidationError) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    @staticmethod
    def monday_9am_shanghai():
        """Monday 7 December 2026, 9:00 in Shanghai (1:00 UTC)."""
        return datetime(2026, 12, 7, 1, 0)
