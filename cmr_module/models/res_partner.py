import csv
import io
from collections import namedtuple

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import format_date

from ..tools.spreadsheet import SpreadsheetSafeWriter
from .cmr_input_guard import check_input_values

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
# Blank rows the portal form offers for new windows and important dates.
PORTAL_EXTRA_ROWS = 2
# Latest ledger lines shown under the portal form (the download has them all).
PORTAL_LEDGER_LINES = 50
# What one charter holds at most: a gift wish is a few sentences, and every
# change of it is copied into the append-only ledger for good.
GIFT_PREFERENCE_MAX = 1000

# Set by defaults on every new partner: only their later changes are logged.
CHARTER_FIELDS_NOT_LOGGED_AT_CREATE = ("lang", "tz")


# A choice (selection or yes/no) of the charter: compared by its technical
# value, written to the ledger with its label too.
Choice = namedtuple("Choice", ["key", "label"])


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
        help="Information the customer wants to receive. Until the topics are "
        "chosen once, the topics wanted by default apply.",
    )
    cmr_channel_pref_ids = fields.One2many(
        "cmr.channel.preference",
        "partner_id",
        string="Accepted Channels",
        help="Channels the customer accepts, best first. Until the channels are "
        "chosen once, the channels accepted by default apply.",
    )
    # Once chosen, an empty choice means "none", not "the defaults".
    cmr_channels_chosen = fields.Boolean(
        string="Channels Chosen", readonly=True, copy=False
    )
    cmr_topics_chosen = fields.Boolean(
        string="Topics Chosen", readonly=True, copy=False
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
        help="What the customer would enjoy receiving, in their own words "
        f"(at most {GIFT_PREFERENCE_MAX} characters).",
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
        string="Contact Log",
        groups="cmr_module.group_cmr_user",
    )

    cmr_category_id = fields.Many2one(
        "cmr.customer.category",
        string="Customer Category",
        index=True,
        ondelete="restrict",
        help="Business type; tier ladders may score each category differently.",
    )

    @api.depends("cmr_channel_pref_ids.sequence", "cmr_channel_pref_ids.channel_id")
    def _compute_cmr_preferred_channel_id(self):
        for partner in self:
            prefs = partner.cmr_channel_pref_ids.sorted(lambda p: (p.sequence, p.id))
            partner.cmr_preferred_channel_id = prefs[:1].channel_id

    def _cmr_count_by_partner(self, model):
        counts = dict(
            self.env[model]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        return {partner: counts.get(partner._origin, 0) for partner in self}

    def _compute_cmr_charter_log_count(self):
        for partner, count in self._cmr_count_by_partner("cmr.charter.log").items():
            partner.cmr_charter_log_count = count

    def _compute_cmr_contact_count(self):
        for partner, count in self._cmr_count_by_partner("cmr.contact").items():
            partner.cmr_contact_count = count

    def _cmr_check_charter_input(self, vals):
        # Only the charter's own texts are bounded: the partner's other
        # fields belong to Odoo and to the integrator's data.
        check_input_values(
            self,
            vals,
            {"cmr_gift_preference": GIFT_PREFERENCE_MAX},
            {},
            all_texts=False,
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._cmr_check_charter_input(vals)
            if "cmr_topic_ids" in vals:
                vals["cmr_topics_chosen"] = True
        partners = super().create(vals_list)
        loggable = [
            name
            for name in CHARTER_FIELDS
            if name not in CHARTER_FIELDS_NOT_LOGGED_AT_CREATE
        ]
        labels = self._cmr_selection_labels(loggable)
        entries = []
        for partner, vals in zip(partners, vals_list, strict=True):
            logged = [name for name in loggable if name in vals]
            entries += partner._cmr_charter_entries(
                {}, partner._cmr_charter_values(logged, labels)
            )
        self.env["cmr.charter.log"]._log_entries(entries)
        return partners

    def write(self, vals):
        self._cmr_check_charter_input(vals)
        if "cmr_topic_ids" in vals:
            vals = dict(vals, cmr_topics_chosen=True)
        logged = [name for name in CHARTER_FIELDS if name in vals]
        if not logged:
            return super().write(vals)
        labels = self._cmr_selection_labels(logged)
        before = {
            partner.id: partner._cmr_charter_values(logged, labels) for partner in self
        }
        res = super().write(vals)
        entries = []
        for partner in self:
            entries += partner._cmr_charter_entries(
                before[partner.id], partner._cmr_charter_values(logged, labels)
            )
        self.env["cmr.charter.log"]._log_entries(entries)
        return res

    def _cmr_mark_channels_chosen(self):
        """The customer (or staff for them) chose their channels: from now
        on no channel row means no channel, not the defaults."""
        todo = self.filtered(lambda partner: not partner.cmr_channels_chosen)
        if todo:
            todo.sudo().write({"cmr_channels_chosen": True})

    def _cmr_selection_labels(self, field_names):
        """Labels of the selection fields, computed once for a whole batch
        (the time zone list alone has hundreds of entries)."""
        return {
            name: dict(self._fields[name]._description_selection(self.env))
            for name in field_names
            if self._fields[name].type == "selection"
        }

    def _cmr_charter_values(self, field_names, labels=None):
        """Charter values of one partner, as comparable, printable values."""
        self.ensure_one()
        labels = (
            labels if labels is not None else self._cmr_selection_labels(field_names)
        )
        values = {}
        for name in field_names:
            field = self._fields[name]
            value = self[name]
            if field.type == "many2many":
                values[name] = {record.id: record.display_name for record in value}
            elif field.type == "selection":
                values[name] = Choice(
                    value or "", labels[name].get(value, "") if value else ""
                )
            elif field.type == "boolean":
                values[name] = Choice(
                    "1" if value else "0",
                    self.env._("Yes") if value else self.env._("No"),
                )
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
            if isinstance(new, Choice):
                old = old or Choice("", "")
                entries.append(
                    dict(
                        base,
                        old_value=old.label or False,
                        new_value=new.label or False,
                        old_key=old.key or False,
                        new_key=new.key or False,
                    )
                )
                continue
            if not isinstance(new, dict):
                entries.append(
                    dict(base, old_value=old or False, new_value=new or False)
                )
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
    # Not @api.readonly: asked right before contacting someone, the answer
    # must come from the primary database, never from a replica that may not
    # have the consent the customer just withdrew.
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
        # The answer reveals the charters of the partners asked about.
        if not self.env.su and not self.env.user._is_internal():
            raise AccessError(self.env._("Only employees may ask the contact gate."))
        self.check_access("read")
        channel = self.env["cmr.channel"]._get_by_code(channel)
        topic = self.env["cmr.topic"]._get_by_code(topic) if topic else None
        return self.env["cmr.contact.gate"]._check(self.ids, channel, topic, moment)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _cmr_partner_action(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_cmr_view_charter_log(self):
        self.ensure_one()
        return self._cmr_partner_action("cmr_module.cmr_charter_log_action")

    def action_cmr_view_contacts(self):
        self.ensure_one()
        return self._cmr_partner_action("cmr_module.cmr_contact_action")

    def _cmr_export_charter(self):
        """Everything the charter holds about the customer, for the download."""
        self.ensure_one()
        values = self._cmr_charter_values(CHARTER_FIELDS)
        for name, value in values.items():
            if isinstance(value, dict):
                values[name] = sorted(value.values())
            elif isinstance(value, Choice):
                values[name] = value.label
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
                    "item": line.item_label,
                    "old_value": line.old_value_label or "",
                    "new_value": line.new_value_label or "",
                    "consent": line.consent or "",
                    "channel": line.channel_id.code or "",
                    "purpose": line.topic_id.code or "",
                }
                for line in self.sudo().cmr_charter_log_ids
            ],
        }

    # ------------------------------------------------------------------
    # Portal: the customer edits their own charter
    # ------------------------------------------------------------------
    def _cmr_portal_values(self):
        """Everything the portal charter page shows."""
        self.ensure_one()
        prefs = {pref.channel_id.id: pref for pref in self.cmr_channel_pref_ids}
        windows = list(self.cmr_window_ids) + [False] * PORTAL_EXTRA_ROWS
        important = list(self.cmr_important_date_ids) + [False] * PORTAL_EXTRA_ROWS
        return {
            "partner": self,
            "interests": self.env["cmr.interest"].search([("active", "=", True)]),
            "topics": self.env["cmr.topic"].search([("active", "=", True)]),
            "channels": self.env["cmr.channel"].search([("active", "=", True)]),
            "channel_prefs": prefs,
            "windows": windows,
            "important_dates": important,
            "weekdays": self.env["cmr.contact.window"]
            ._fields["weekday"]
            ._description_selection(self.env),
            "places": self._fields["cmr_preferred_place"]._description_selection(
                self.env
            ),
            "service_levels": self._fields["cmr_service_level"]._description_selection(
                self.env
            ),
            "languages": self.env["res.lang"].get_installed(),
            "timezones": self._fields["tz"]._description_selection(self.env),
            "quiet_days_text": "\n".join(
                str(day.date) for day in self.cmr_quiet_day_ids
            ),
            "ledger": self.env["cmr.charter.log"].search(
                [("partner_id", "=", self.id)], limit=PORTAL_LEDGER_LINES
            ),
        }

    def _cmr_export_charter_csv(self):
        """The charter and its ledger as CSV rows (section, item, values…)."""
        data = self._cmr_export_charter()
        output = io.StringIO()
        writer = SpreadsheetSafeWriter(csv.writer(output))
        writer.writerow(
            ["section", "item", "value", "old_value", "date", "changed_by", "source"]
        )
        for item, value in data["charter"].items():
            value = ", ".join(value) if isinstance(value, list) else value
            writer.writerow(["charter", item, value, "", "", "", ""])
        for channel in data["channels"]:
            writer.writerow(
                [
                    "channel",
                    channel["channel"],
                    f"#{channel['rank']} {channel['max_per_week']}/week "
                    f"{channel['max_per_month']}/month",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        for window in data["contact_windows"]:
            writer.writerow(["contact_window", "", window, "", "", "", ""])
        for day in data["quiet_days"]:
            writer.writerow(["quiet_day", "", day, "", "", "", ""])
        for important in data["important_dates"]:
            writer.writerow(
                [
                    "important_date",
                    important["occasion"],
                    important["date"],
                    "",
                    "",
                    "",
                    "",
                ]
            )
        for line in data["ledger"]:
            writer.writerow(
                [
                    "ledger",
                    line["item"],
                    line["new_value"],
                    line["old_value"],
                    line["date"],
                    line["changed_by"],
                    line["source"],
                ]
            )
        return output.getvalue()
