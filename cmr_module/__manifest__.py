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
    "data": [],
    "demo": [],
    "installable": True,
    "application": True,
}
