"""The demo of `make run` as our users would see it: a Chinese company.

Run by tools/run.sh inside `odoo shell` (``env`` is given), in two phases
chosen by the environment variable CMR_DEMO_PHASE:

- ``company``: right after the database is created with base only, before
  any accounting entry exists (Odoo refuses to change a company's currency
  later): the main company becomes a Shanghai gas and fuel retailer, in
  China, so that installing ``account`` loads Odoo's own Chinese chart
  (``l10n_cn``) with its currency, CNY. The admin works in English, in
  Shanghai time, so both languages can be compared.
- ``people``: after cmr_module and its demo are installed: the staff users
  work in Simplified Chinese; each customer reads the portal in the
  language of their charter (their partner's language), Chinese for the
  Chinese names.

The addon's own demo data stays language-neutral, so it installs on any
database (the tests and CI use a plain one).
"""

import os
import re

# ruff: noqa: F821 - ``env`` comes from odoo shell

COMPANY = {
    "name": "申城燃气能源有限公司",
    "street": "浦东新区世纪大道 100 号",
    "city": "上海",
    "zip": "200120",
    "phone": "+86 21 5888 0000",
    "email": "service@shencheng-energy.example.com",
    "website": "https://shencheng-energy.example.com",
}
TIME_ZONE = "Asia/Shanghai"
STAFF_LANG = "zh_CN"
# Customers in these cities read Traditional Chinese.
TRADITIONAL_CITIES = {"台北", "香港", "澳门"}
CHINESE = re.compile("[\u4e00-\u9fff]")


def setup_company():
    company = env.ref("base.main_company")
    if company.country_id == env.ref("base.cn"):
        return
    if env["ir.module.module"].search_count(
        [("name", "=", "account"), ("state", "=", "installed")]
    ) and env["account.move.line"].search_count([]):
        print("demo company: it has journal items, its currency stays")
        return
    china = env.ref("base.cn")
    state = env["res.country.state"].search(
        [("country_id", "=", china.id), ("code", "in", ("SH", "31"))], limit=1
    )
    cny = env.ref("base.CNY")
    cny.active = True
    company.write(
        dict(COMPANY, country_id=china.id, state_id=state.id, currency_id=cny.id)
    )
    company.partner_id.write({"tz": TIME_ZONE, "lang": STAFF_LANG})
    admin = env.ref("base.user_admin")
    admin.write({"tz": TIME_ZONE, "lang": "en_US"})
    env.cr.commit()
    print(f"demo company: {company.name} ({company.currency_id.name}, {TIME_ZONE})")


def setup_people():
    done = "cmr_module.demo_china_people"
    if env["ir.config_parameter"].get_param(done):
        return
    langs = set(env["res.lang"].search([]).mapped("code"))
    if STAFF_LANG not in langs:
        print("demo people: zh_CN is not loaded, left in English")
        return
    staff = env["res.users"].search(
        [
            ("share", "=", False),
            (
                "id",
                "not in",
                [env.ref("base.user_admin").id, env.ref("base.user_root").id],
            ),
            ("groups_id", "in", env.ref("cmr_module.group_cmr_user").ids),
        ]
    )
    staff.write({"lang": STAFF_LANG, "tz": TIME_ZONE})
    # The addon's demo customers and merchants: a Chinese name reads the
    # portal in Chinese, the others (Robert Miller, …) keep English.
    partner_ids = (
        env["ir.model.data"]
        .search([("module", "=", "cmr_module"), ("model", "=", "res.partner")])
        .mapped("res_id")
    )
    customers = (
        env["res.partner"]
        .browse(partner_ids)
        .filtered(lambda p: CHINESE.search(p.name or ""))
    )
    traditional = customers.filtered(lambda p: p.city in TRADITIONAL_CITIES)
    if "zh_TW" in langs:
        traditional.write({"lang": "zh_TW"})
        customers -= traditional
    customers.write({"lang": STAFF_LANG})
    env["ir.config_parameter"].set_param(done, "1")
    env.cr.commit()
    print(
        f"demo people: {len(staff)} staff users and {len(customers)} customers "
        "in Chinese"
    )


{"company": setup_company, "people": setup_people}[os.environ["CMR_DEMO_PHASE"]]()
