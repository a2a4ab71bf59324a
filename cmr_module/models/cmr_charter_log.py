from odoo import api, fields, models
from odoo.http import request
from odoo.tools.misc import clean_context

API_PATHS = ("/xmlrpc", "/jsonrpc", "/json/")


class CmrCharterLog(models.Model):
    """Append-only ledger of a customer's relationship charter.

    One line per change: who made it, when, through what, which item, the old
    and the new value. Lines that grant or withdraw a channel or a topic are
    the consent record. Nobody can change or delete a line, not even the
    administrator: corrections are new lines.
    """

    _name = "cmr.charter.log"
    _inherit = ["cmr.append.only.mixin"]
    _description = "Charter Ledger Line"
    _order = "date desc, id desc"
    _rec_name = "item"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        # Lines go only with the customer record itself (erasure, uninstall).
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        related="partner_id.company_id", store=True, readonly=True, index=True
    )
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Changed by",
        default=lambda self: self.env.user,
        readonly=True,
        ondelete="set null",
    )
    source = fields.Selection(
        [
            ("portal", "Portal"),
            ("backend", "Backend"),
            ("import", "Import"),
            ("api", "API"),
            ("system", "System"),
        ],
        required=True,
        readonly=True,
        default=lambda self: self._default_source(),
    )
    # As written, in the language of whoever made the change; the *_label
    # fields below show them in the reader's language where they can.
    item = fields.Char(required=True, readonly=True)
    field_name = fields.Char(string="Technical Item", readonly=True)
    old_value = fields.Text(readonly=True)
    new_value = fields.Text(readonly=True)
    # Technical values of choices (selections, yes/no), to name them again
    # in the reader's language.
    old_key = fields.Char(readonly=True)
    new_key = fields.Char(readonly=True)
    item_label = fields.Char(string="What", compute="_compute_labels")
    old_value_label = fields.Char(string="Before", compute="_compute_labels")
    new_value_label = fields.Char(string="After", compute="_compute_labels")
    consent = fields.Selection(
        [("granted", "Granted"), ("withdrawn", "Withdrawn")], readonly=True
    )
    channel_id = fields.Many2one("cmr.channel", readonly=True, ondelete="restrict")
    topic_id = fields.Many2one(
        "cmr.topic", string="Purpose", readonly=True, ondelete="restrict"
    )

    @api.depends("item", "field_name", "old_value", "new_value", "old_key", "new_key")
    @api.depends_context("lang")
    def _compute_labels(self):
        partner_fields = self.env["res.partner"]._fields
        choices = {}
        for line in self:
            field = partner_fields.get(line.field_name or "")
            if field:
                item = field._description_string(self.env)
            elif line.field_name in self.env:
                # A charter line model (channels, windows...): its name.
                item = self.env["ir.model"]._get(line.field_name).name
            else:
                item = line.item
            line.item_label = item
            if field and field.type in ("selection", "boolean"):
                if field.name not in choices:
                    choices[field.name] = self._choice_labels(field)
                labels = choices[field.name]
                line.old_value_label = labels.get(line.old_key, line.old_value)
                line.new_value_label = labels.get(line.new_key, line.new_value)
            else:
                line.old_value_label = line.old_value
                line.new_value_label = line.new_value

    def _choice_labels(self, field):
        """{technical value: label in the reader's language} of a choice."""
        if field.type == "boolean":
            return {"1": self.env._("Yes"), "0": self.env._("No")}
        return dict(field._description_selection(self.env))

    @api.model
    def _default_source(self):
        context = self.env.context
        # Said by the addon's own code only (e.g. the portal controller, as
        # superuser): a client can send a context, never superuser rights.
        if context.get("cmr_change_source") and self.env.su:
            return context["cmr_change_source"]
        if context.get("import_file"):
            return "import"
        if not request:
            # Scheduled actions and the addon's own code run as superuser;
            # otherwise a user's code path (server action, shell).
            if self.env.su:
                return "system"
            return "portal" if self.env.user.share else "backend"
        if request.httprequest.path.startswith(API_PATHS):
            return "api"
        # Customers change their own partner through portal pages only.
        return "portal" if self.env.user.share else "backend"

    @api.model
    def _log_entries(self, entries):
        """Append ledger lines and tell customers about changes made by staff."""
        entries = [entry for entry in entries if entry.get("partner_id")]
        if not entries:
            return self.browse()
        # When and by whom are this moment and this user: never defaults a
        # client put in the context (default_date, default_user_id...).
        source = self._default_source()
        now = fields.Datetime.now()
        entries = [
            {"date": now, "user_id": self.env.uid, "source": source, **entry}
            for entry in entries
        ]
        # Replaced, not updated: the default_* keys must go.
        clean = clean_context(self.env.context)
        lines = self.sudo().with_context(clean).create(entries)  # pylint: disable=context-overridden
        if lines[:1].source not in ("portal", "system"):
            lines._notify_customers()
        return lines

    def _notify_customers(self):
        """Tell each customer what staff changed in their charter."""
        lines = self.filtered(lambda line: line.partner_id != self.env.user.partner_id)
        if lines:
            self.env["cmr.contact"]._notify_charter_change(lines)
