from odoo import api, fields, models
from odoo.tools import format_date

from ..tools.contact_gate import ContactGate

# Partner fields of the charter whose changes are written to the ledger.
CHARTER_FIELDS = (
    "cmr_do_not_contact",
    "cmr_interest_ids",
    "cmr_topic_ids",
    "cmr_preferred_place",
    "cmr_service_level",
    "cmr_birthday",
    "cmr_gift_preference",
    "lang",
    "tz",
)
# Set by defaults on every new partner: only their later changes are logged.
CHARTER_FIELDS_NOT_LOGGED_AT_CREATE = ("lang", "tz")


class ResPartner(models.Model):
    _inherit = "res.partner"

    cmr_do_not_contact = fields.Boolean(
        string="Do Not Contact",
        tracking=True,
        help="The customer does not want to be contacted on any channel.",
    )
    cmr_interest_ids = fields.Many2many(
        "cmr.interest",
        "cmr_interest_res_partner_rel",
        "partner_id",
        "interest_id",
        string="Interests",
    )
    cmr_topic_ids = fields.Many2many(
        "cmr.topic",
        "cmr_topic_res_partner_rel",
        "partner_id",
        "topic_id",
        string="Wanted Topics",
        help="Information the customer wants to receive. When empty, the topics "
        "wanted by default apply.",
    )
    cmr_channel_pref_ids = fields.One2many(
        "cmr.channel.preference",
        "partner_id",
        string="Accepted Channels",
        help="Channels the customer accepts, best first. When empty, the "
        "channels accepted by default apply.",
    )
    cmr_preferred_channel_id = fields.Many2one(
        "cmr.channel",
        string="Preferred Channel",
        compute="_compute_cmr_preferred_channel_id",
        store=True,
        index="btree_not_null",
    )
    cmr_window_ids = fields.One2many(
        "cmr.contact.window", "partner_id", string="Contact Windows"
    )
    cmr_quiet_day_ids = fields.One2many(
        "cmr.quiet.day", "partner_id", string="Quiet Days"
    )
    cmr_important_date_ids = fields.One2many(
        "cmr.important.date", "partner_id", string="Important Dates"
    )
    cmr_preferred_place = fields.Selection(
        [
            ("home", "Home"),
            ("office", "Office"),
            ("service_station", "Service Station"),
            ("store", "Store"),
            ("online", "Online"),
        ],
        string="Preferred Place",
    )
    cmr_service_level = fields.Selection(
        [
            ("self_service", "Self-service"),
            ("standard", "Standard"),
            ("priority", "Priority"),
            ("dedicated", "Dedicated Advisor"),
        ],
        string="Desired Service Level",
    )
    cmr_birthday = fields.Date(string="Birthday")
    cmr_gift_preference = fields.Text(
        string="Gift Preferences",
        help="What the customer would enjoy receiving, in their own words.",
    )
    cmr_charter_log_ids = fields.One2many(
        "cmr.charter.log",
        "partner_id",
        string="Charter Ledger",
        groups="cmr_module.group_cmr_user",
    )
    cmr_charter_log_count = fields.Integer(
        compute="_compute_cmr_charter_log_count",
        string="Charter Changes",
        groups="cmr_module.group_cmr_user",
    )
    cmr_contact_count = fields.Integer(
        compute="_compute_cmr_contact_count",
        string="Contacts",
        groups="cmr_module.group_cmr_user",
    )

    @api.depends("cmr_channel_pref_ids.sequence", "cmr_channel_pref_ids.channel_id")
    def _compute_cmr_preferred_channel_id(self):
        for partner in self:
            prefs = partner.cmr_channel_pref_ids.sorted(lambda p: (p.sequence, p.id))
            partner.cmr_preferred_channel_id = prefs[:1].channel_id

    def _compute_cmr_charter_log_count(self):
        counts = dict(
            self.env["cmr.charter.log"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.cmr_charter_log_count = counts.get(partner._origin, 0)

    def _compute_cmr_contact_count(self):
        counts = dict(
            self.env["cmr.contact"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.cmr_contact_count = counts.get(partner._origin, 0)

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        entries = []
        for partner, vals in zip(partners, vals_list, strict=True):
            logged = [
                name
                for name in CHARTER_FIELDS
                if name in vals and name not in CHARTER_FIELDS_NOT_LOGGED_AT_CREATE
            ]
            entries += partner._cmr_charter_entries({}, partner._cmr_charter_values(logged))
        self.env["cmr.charter.log"]._cmr_log(entries)
        return partners

    def write(self, vals):
        logged = [name for name in CHARTER_FIELDS if name in vals]
        if not logged:
            return super().write(vals)
        before = {partner.id: partner._cmr_charter_values(logged) for partner in self}
        res = super().write(vals)
        entries = []
        for partner in self:
            entries += partner._cmr_charter_entries(
                before[partner.id], partner._cmr_charter_values(logged)
            )
        self.env["cmr.charter.log"]._cmr_log(entries)
        return res

    def _cmr_charter_values(self, field_names):
        """Charter values of one partner, as comparable, printable values."""
        self.ensure_one()
        values = {}
        for name in field_names:
            field = self._fields[name]
            value = self[name]
            if field.type == "many2many":
                values[name] = {record.id: record.display_name for record in value}
            elif field.type == "selection":
                labels = dict(field._description_selection(self.env))
                values[name] = labels.get(value, "") if value else ""
            elif field.type == "boolean":
                values[name] = self.env._("Yes") if value else self.env._("No")
            elif field.type == "date":
                values[name] = format_date(self.env, value) if value else ""
            else:
                values[name] = value or ""
        return values

    def _cmr_charter_entries(self, before, after):
        """Ledger lines for the differences between two charter snapshots."""
        self.ensure_one()
        entries = []
        for name, new in after.items():
            old = before.get(name, {} if isinstance(new, dict) else "")
            if old == new:
                continue
            field = self._fields[name]
            base = {
                "partner_id": self.id,
                "item": field._description_string(self.env),
                "field_name": name,
            }
            if name == "cmr_do_not_contact":
                base["consent"] = "withdrawn" if self.cmr_do_not_contact else "granted"
            if not isinstance(new, dict):
                entries.append(dict(base, old_value=old or False, new_value=new or False))
                continue
            # One line per tag added or removed: a topic is a consent purpose.
            for record_id in new.keys() - old.keys():
                entry = dict(base, new_value=new[record_id])
                if name == "cmr_topic_ids":
                    entry.update(consent="granted", topic_id=record_id)
                entries.append(entry)
            for record_id in old.keys() - new.keys():
                entry = dict(base, old_value=old[record_id])
                if name == "cmr_topic_ids":
                    entry.update(consent="withdrawn", topic_id=record_id)
                entries.append(entry)
        return entries

    # ------------------------------------------------------------------
    # Contact gate
    # ------------------------------------------------------------------
    def cmr_check_contact(self, channel, topic=None, moment=None):
        """Tell, for each partner of ``self``, whether the company may contact
        them on ``channel`` about ``topic`` at ``moment``.

        :param channel: ``cmr.channel`` record or code (``'email'``, ``'sms'``…)
        :param topic: ``cmr.topic`` record or code, or ``None`` to skip the
            topic check
        :param moment: naive UTC or aware ``datetime``; default: now
        :return: ``{partner_id: {'allowed': bool, 'reason': str or False,
            'next_allowed': naive UTC datetime or False}}``. ``reason`` is one
            of ``do_not_contact``, ``channel_refused``, ``topic_not_wanted``,
            ``quiet_day``, ``outside_window``, ``cap_reached``;
            ``next_allowed`` is the first moment at which the contact would be
            allowed, or False when only the customer can lift the refusal.

        The whole recordset is answered with a few set-based queries, so it
        can be called on the whole customer base at once.
        """
        channel = self.env["cmr.channel"]._cmr_get(channel)
        topic = self.env["cmr.topic"]._cmr_get(topic) if topic else None
        gate = ContactGate(self.env, channel, topic, moment)
        return gate.check(self.ids)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_cmr_view_charter_log(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_charter_log_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_cmr_view_contacts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cmr_module.cmr_contact_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def _cmr_export_charter(self):
        """Everything the charter holds about the customer, for the download."""
        self.ensure_one()
        values = self._cmr_charter_values(CHARTER_FIELDS)
        for name, value in values.items():
            if isinstance(value, dict):
                values[name] = sorted(value.values())
        return {
            "customer": self.display_name,
            "charter": {
                self._fields[name]._description_string(self.env): value
                for name, value in values.items()
            },
            "channels": [
                {
                    "rank": rank,
                    "channel": pref.channel_id.name,
                    "code": pref.channel_id.code,
                    "max_per_week": pref.cap_week,
                    "max_per_month": pref.cap_month,
                }
                for rank, pref in enumerate(
                    self.cmr_channel_pref_ids.sorted(lambda p: (p.sequence, p.id)),
                    start=1,
                )
            ],
            "contact_windows": [w.display_name for w in self.cmr_window_ids],
            "quiet_days": [str(d.date) for d in self.cmr_quiet_day_ids],
            "important_dates": [
                {"occasion": d.name, "date": str(d.date), "yearly": d.yearly}
                for d in self.cmr_important_date_ids
            ],
            "ledger": [
                {
                    "date": fields.Datetime.to_string(line.date),
                    "changed_by": line.user_id.name or "",
                    "source": line.source,
                    "item": line.item,
                    "old_value": line.old_value or "",
                    "new_value": line.new_value or "",
                    "consent": line.consent or "",
                    "channel": line.channel_id.code or "",
                    "purpose": line.topic_id.code or "",
                }
                for line in self.sudo().cmr_charter_log_ids
            ],
        }
