"""Demo data of the mining center, loaded once by demo/cmr_mining_demo.xml:
a year of invoices dated from today that tell the 20/80 story, churn runs on
past days (so the history has at-risk, churned and won-back events) and a
churn reason recorded by an agent."""

from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models

DEMO_REF = "CMR mining demo"

# (customer xmlid, days ago of each purchase, cubic metres at 4.00)
PURCHASES = [
    # The two big accounts: most of the revenue.
    ("cmr_partner_huadong", range(350, 0, -30), 20000),
    ("cmr_partner_demo_bus_group", range(345, 0, -30), 15000),
    # Churned, a reason recorded within 14 days (see below).
    ("cmr_partner_li_na", range(420, 200, -30), 300),
    # Churned, no reason recorded yet.
    ("cmr_partner_sophie_martin", [330, 300, 270, 240], 200),
    # Churned (residential gas: after 120 days), then won back.
    ("cmr_partner_chen_jing", [400, 370, 340, 12], 250),
    # Bought every two weeks, silent for 40 days: at risk.
    ("cmr_partner_liu_yang", range(180, 39, -14), 100),
    # Small regular households.
    ("cmr_partner_demo_household_1", range(355, 0, -60), 150),
    ("cmr_partner_demo_household_2", range(340, 0, -60), 120),
    ("cmr_partner_demo_household_3", range(330, 0, -45), 100),
    ("cmr_partner_demo_household_4", range(320, 0, -90), 200),
    ("cmr_partner_demo_household_5", range(300, 0, -30), 60),
    ("cmr_partner_demo_household_6", range(290, 0, -60), 90),
]
# The daily run as it would have run on these past days (days ago).
RUN_DAYS = (300, 200, 100, 30, 0)


class CmrMiningDemo(models.AbstractModel):
    _name = "cmr.mining.demo"
    _description = "Mining Center Demo Data"

    @api.model
    def _load(self):
        env = self.env
        if env["account.move"].search_count([("ref", "=", DEMO_REF)], limit=1):
            return
        today = fields.Date.context_today(self)
        product = env.ref("cmr_module.cmr_product_natural_gas")
        vals_list = []
        for xmlid, days_list, quantity in PURCHASES:
            partner = env.ref(f"cmr_module.{xmlid}", raise_if_not_found=False)
            if not partner:
                continue
            for days in days_list:
                date = today - relativedelta(days=days)
                vals_list.append(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "ref": DEMO_REF,
                        "invoice_date": date,
                        "invoice_date_due": date,
                        "invoice_payment_term_id": False,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "quantity": quantity,
                                    "price_unit": 4.0,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                )
        env["account.move"].create(vals_list).action_post()
        engine = env["cmr.mining.engine"]
        for days in RUN_DAYS:
            engine._run_churn(env.company, today - relativedelta(days=days))
        li_na = env.ref("cmr_module.cmr_partner_li_na", raise_if_not_found=False)
        agent = env.ref("cmr_module.cmr_user_agent_li", raise_if_not_found=False)
        if li_na and li_na.cmr_activity_state == "churned":
            env["cmr.mining.churn.record"].create(
                {
                    "partner_id": li_na.id,
                    "reason_id": env.ref("cmr_module.cmr_churn_reason_competitor").id,
                    "note": "A new pipeline supplier offered a lower price per "
                    "cubic metre.",
                    "date": datetime.combine(today - relativedelta(days=25), time(10)),
                    "user_id": agent.id if agent else env.uid,
                }
            )
        engine._run_clv(env.company, today)
