from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import RaceMixin, committed_env


@tagged("post_install", "-at_install")
class TestKeyaccountRaces(RaceMixin, TransactionCase):
    """Two transactions at once: still one lead per team, one mining run per
    company at a time."""

    def test_two_managers_give_a_new_team_its_lead_at_once(self):
        with committed_env() as env:
            partner = env["res.partner"].create(
                {"name": "Race Key Co", "is_company": True}
            )
            partner_id = partner.id
            users = (
                env.ref("base.user_admin") | env.ref("cmr_module.cmr_user_agent_li")
            ).ids
        leads = iter(users)

        def add_lead(env):
            return (
                env["cmr.keyaccount.member"]
                .create(
                    {
                        "partner_id": partner_id,
                        "user_id": next(leads),
                        "role_id": env.ref("cmr_module.cmr_keyaccount_role_lead").id,
                    }
                )
                .id
            )

        try:
            outcome = self.race(add_lead)
            self.assertIn("one lead", outcome.get("error", ""))
            with committed_env() as env:
                members = env["cmr.keyaccount.member"].search(
                    [("partner_id", "=", partner_id)]
                )
                self.assertEqual(len(members), 1)
        finally:
            with committed_env() as env:
                env["res.partner"].browse(partner_id).unlink()

    def test_a_second_mining_run_stops_at_once(self):
        with committed_env() as first, committed_env() as second:
            policy = first["cmr.mining.policy"]._get(first.company)
            first["cmr.mining.engine"]._lock_policy(policy)
            with self.assertRaisesRegex(UserError, "running right now"):
                second["cmr.mining.engine"]._run_churn(second.company)
            second.cr.rollback()
            first.cr.rollback()
