{
    "name": "Customer Management Relationship",
    "summary": "Hand the relationship to the customer: preference charter, "
    "consent ledger and a contact gate for every message",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/cmr-module/cmr_module",
    "author": "cmr_module authors",
    "license": "LGPL-3",
    "depends": ["sale_management", "account", "portal", "mail", "resource"],
    "data": [
        "security/cmr_security.xml",
        "security/ir.model.access.csv",
        "data/cmr_channel_data.xml",
        "data/cmr_topic_data.xml",
        "data/cmr_interest_data.xml",
        "data/ir_cron_data.xml",
        "views/res_partner_views.xml",
        "views/cmr_charter_log_views.xml",
        "views/cmr_contact_views.xml",
        "views/cmr_catalogue_views.xml",
        "views/portal_templates.xml",
        "views/cmr_menus.xml",
    ],
    "demo": [
        "demo/cmr_partner_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "cmr_module/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": True,
}
