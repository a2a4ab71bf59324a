from odoo.tests import TransactionCase, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

from .common import CmrPortalCase


class CmrSuggestionCase(TransactionCase):
    """A reviewer (CMR User), a manager, and three customers who accept
    WeChat."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.Suggestion = cls.env["cmr.suggestion"]
        cls.reviewer = new_test_user(
            cls.env,
            login="suggestion_reviewer",
            groups="cmr_module.group_cmr_user",
            name="Reviewer Wu",
        )
        cls.wechat = cls.env.ref("cmr_module.cmr_channel_wechat")
        cls.customers = cls.env["res.partner"].create(
            [
                {
                    "name": name,
                    "email": f"{name.lower()}@example.com",
                    "lang": "en_US",
                    "cmr_channel_pref_ids": [(0, 0, {"channel_id": cls.wechat.id})],
                }
                for name in ("Idea", "Fan", "Other")
            ]
        )
        cls.suggester, cls.fan, cls.third = cls.customers

    def submit(self, partner=None, **values):
        vals = {
            "name": "Gift wrapping",
            "description": "Offer gift wrapping at checkout.",
            "category": "service",
            "is_public": True,
            **values,
        }
        return self.Suggestion._portal_submit(partner or self.suggester, vals)


class CmrSuggestionPortalCase(CmrPortalCase):
    pass
