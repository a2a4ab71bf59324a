from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CmrKeyaccountMember(models.Model):
    """A member of a key account's cross-functional team: an internal user
    in a role. A user may be on many teams. Members follow the customer and
    the customer's complaints, and see them (record rules)."""

    _name = "cmr.keyaccount.member"
    _description = "Key-account Team Member"
    _order = "partner_id, role_sequence, id"
    _rec_name = "user_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Key Account",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('is_company', '=', True)]",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Member",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('share', '=', False)]",
    )
    role_id = fields.Many2one(
        "cmr.keyaccount.role", required=True, index=True, ondelete="restrict"
    )
    role_sequence = fields.Integer(related="role_id.sequence", store=True)
    is_lead = fields.Boolean(related="role_id.is_lead", store=True)
    email = fields.Char(related="user_id.email", string="E-mail")
    phone = fields.Char(related="user_id.partner_id.phone", string="Phone")

    _sql_constraints = [
        (
            "partner_user_role_uniq",
            "unique (partner_id, user_id, role_id)",
            "A member holds a role once on a team.",
        ),
        # Two managers adding a lead at the same moment: the second waits
        # for the first and is refused (the checks above read, then write).
        (
            "one_lead",
            "EXCLUDE (partner_id WITH =) WHERE (is_lead)",
            "A key-account team has exactly one lead.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        self._check_second_lead(vals_list)
        members = super().create(vals_list)
        members._follow_customer()
        return members

    def write(self, vals):
        if "role_id" in vals or "partner_id" in vals:
            self._check_second_lead(
                [
                    {
                        "partner_id": vals.get("partner_id", member.partner_id.id),
                        "role_id": vals.get("role_id", member.role_id.id),
                    }
                    for member in self
                ],
                ignore=self,
            )
        result = super().write(vals)
        if {"user_id", "partner_id"} & set(vals):
            self._follow_customer()
        return result

    def unlink(self):
        partners = self.partner_id
        result = super().unlink()
        partners._cmr_check_keyaccount_team()
        return result

    @api.constrains("user_id")
    def _check_internal_user(self):
        for member in self:
            if member.user_id.share or not member.user_id._is_internal():
                raise ValidationError(
                    self.env._(
                        "%(user)s is not an employee (internal user): only "
                        "employees can be on a key-account team.",
                        user=member.user_id.name,
                    )
                )

    @api.constrains("partner_id", "role_id")
    def _check_one_lead(self):
        self.partner_id._cmr_check_keyaccount_team()
        for member in self:
            if member.partner_id != member.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "A team belongs to the customer company, not to one of "
                        "its contacts (%(contact)s).",
                        contact=member.partner_id.display_name,
                    )
                )

    @api.model
    def _check_second_lead(self, vals_list, ignore=None):
        """Refuse a second lead before anything is written (the exclusion
        constraint stops the same under concurrency)."""
        Role = self.env["cmr.keyaccount.role"]
        new_leads = [
            vals["partner_id"]
            for vals in vals_list
            if vals.get("partner_id") and Role.browse(vals.get("role_id")).is_lead
        ]
        if not new_leads:
            return
        existing = self.sudo().search(
            [("partner_id", "in", new_leads), ("is_lead", "=", True)]
        ) - (ignore or self.browse())
        for partner_id in set(new_leads):
            count = new_leads.count(partner_id) + len(
                existing.filtered(lambda m, p=partner_id: m.partner_id.id == p)
            )
            if count > 1:
                partner = self.env["res.partner"].browse(partner_id)
                raise ValidationError(
                    self.env._(
                        "The key-account team of %(customer)s needs exactly one "
                        "lead (it has %(leads)s).",
                        customer=partner.display_name,
                        leads=count,
                    )
                )

    def _follow_customer(self):
        """Members follow the customer and the customer's complaints."""
        for partner in self.partner_id:
            users = self.filtered(lambda m, p=partner: m.partner_id == p).user_id
            partner.sudo().message_subscribe(partner_ids=users.partner_id.ids)
            partner._cmr_keyaccount_follow_records(users.partner_id)
