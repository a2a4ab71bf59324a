from odoo import api, fields, models

from .cmr_input_guard import AMOUNT_MAX, LONG_TEXT_MAX, NAME_MAX

DELIVERY_MODES = [
    ("customer_place", "At the Customer's Place"),
    ("station", "At a Service Station"),
    ("remote", "Remote"),
    ("event", "Event"),
]


class CmrCareService(models.Model):
    """A standardised service of the care programme: free tank cleaning,
    parents' health check, safety inspection, oil-butler visit..."""

    _name = "cmr.care.service"
    _inherit = ["mail.thread", "cmr.input.guard"]
    _description = "Care Service"
    _order = "sequence, name, id"
    _check_company_auto = True
    _input_text_limits = {"name": NAME_MAX, "description": LONG_TEXT_MAX}
    _input_number_ranges = {"duration": (0.25, 24 * 7), "cost": (0, AMOUNT_MAX)}

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    description = fields.Html(
        translate=True, help="What the customer receives; shown in the portal."
    )
    step_ids = fields.One2many(
        "cmr.care.service.step", "service_id", string="Checklist", copy=True
    )
    duration = fields.Float(
        string="Expected Duration",
        default=1.0,
        required=True,
        help="Hours; a requested slot must fit in one of the customer's windows.",
    )
    product_id = fields.Many2one(
        "product.product",
        check_company=True,
        help="Optional: the cost then comes from the product, and analytics follow it.",
        groups="cmr_module.group_cmr_user",
    )
    cost = fields.Monetary(
        compute="_compute_cost",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Cost of one delivery, in the company's currency.",
        groups="cmr_module.group_cmr_user",
    )
    delivery_mode = fields.Selection(
        DELIVERY_MODES, required=True, default="customer_place", tracking=True
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Delivering Team",
        check_company=True,
        help="Its members deliver the service and record the visits.",
        groups="cmr_module.group_cmr_user",
    )
    user_ids = fields.Many2many(
        "res.users",
        "cmr_care_service_res_users_rel",
        "service_id",
        "user_id",
        string="Delivered By",
        domain=[("share", "=", False)],
        help="Employees who deliver the service; the first one is assigned to "
        "new visits when no one else is.",
        groups="cmr_module.group_cmr_user",
    )
    entitlement_ids = fields.One2many(
        "cmr.care.entitlement",
        "service_id",
        string="Entitlements",
        groups="cmr_module.group_cmr_user",
    )
    visit_count = fields.Integer(
        compute="_compute_visit_stats", groups="cmr_module.group_cmr_user"
    )
    rating_avg = fields.Float(
        string="Feedback Average",
        compute="_compute_visit_stats",
        digits=(3, 2),
        groups="cmr_module.group_cmr_user",
    )

    @api.depends("product_id")
    def _compute_cost(self):
        for service in self:
            if service.product_id:
                service.cost = service.product_id.standard_price

    def _compute_visit_stats(self):
        Visit = self.env["cmr.care.visit"]
        counts = dict(
            Visit._read_group(
                [("service_id", "in", self.ids)], ["service_id"], ["__count"]
            )
        )
        ratings = dict(
            Visit._read_group(
                [("service_id", "in", self.ids), ("rating_last_value", ">", 0)],
                ["service_id"],
                ["rating_last_value:avg"],
            )
        )
        for service in self:
            service.visit_count = counts.get(service, 0)
            service.rating_avg = ratings.get(service, 0.0)

    def _default_users(self):
        """Who is assigned to a new visit of each service: its first deliverer."""
        return {service.id: service.user_ids[:1] for service in self}

    def action_view_visits(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_care_visit_action"
        )
        action["domain"] = [("service_id", "=", self.id)]
        action["context"] = {"default_service_id": self.id}
        return action
