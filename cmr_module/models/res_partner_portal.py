import csv
import io
import re

from odoo import Command, fields, models
from odoo.exceptions import ValidationError

# Blank rows the portal form offers for new windows and important dates.
PORTAL_EXTRA_ROWS = 2
HOUR_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})$")


class ResPartner(models.Model):
    """The customer edits their charter in the portal through these methods."""

    _inherit = "res.partner"

    def _cmr_portal_values(self):
        """Everything the portal charter page shows."""
        self.ensure_one()
        prefs = {pref.channel_id.id: pref for pref in self.cmr_channel_pref_ids}
        windows = list(self.cmr_window_ids) + [False] * PORTAL_EXTRA_ROWS
        important = list(self.cmr_important_date_ids) + [False] * PORTAL_EXTRA_ROWS
        return {
            "partner": self,
            "interests": self.env["cmr.interest"].search([]),
            "topics": self.env["cmr.topic"].search([]),
            "channels": self.env["cmr.channel"].search([]),
            "channel_prefs": prefs,
            "windows": windows,
            "important_dates": important,
            "weekdays": self.env["cmr.contact.window"]._fields["weekday"]._description_selection(
                self.env
            ),
            "places": self._fields["cmr_preferred_place"]._description_selection(self.env),
            "service_levels": self._fields["cmr_service_level"]._description_selection(
                self.env
            ),
            "languages": self.env["res.lang"].get_installed(),
            "timezones": self._fields["tz"]._description_selection(self.env),
            "quiet_days_text": "\n".join(str(day.date) for day in self.cmr_quiet_day_ids),
        }

    def _cmr_portal_update_charter(self, form):
        """Apply the portal charter form; all or nothing.

        ``self`` is the partner of the logged-in customer, never one named by
        the request: a form that names another partner is refused.
        """
        self.ensure_one()
        if str(form.get("partner_id", self.id)) != str(self.id):
            raise ValidationError(self.env._("You can only change your own charter."))
        vals = self._cmr_parse_portal_form(form)
        with self.env.cr.savepoint():
            self.write(vals)
        return True

    def _cmr_parse_portal_form(self, form):
        env = self.env
        interests = env["cmr.interest"].search([])
        topics = env["cmr.topic"].search([])
        channels = env["cmr.channel"].search([])
        vals = {
            "cmr_do_not_contact": bool(form.get("do_not_contact")),
            "cmr_interest_ids": [
                Command.set([i.id for i in interests if form.get(f"interest_{i.id}")])
            ],
            "cmr_topic_ids": [
                Command.set([t.id for t in topics if form.get(f"topic_{t.id}")])
            ],
            "cmr_gift_preference": (form.get("gift_preference") or "").strip() or False,
            "cmr_birthday": self._cmr_parse_date(form.get("birthday"), env._("Birthday")),
        }
        known_channels = {str(c.id) for c in channels}
        for key in form:
            match = re.match(r"^channel_(\w+?)_", key)
            if match and match.group(1) not in known_channels:
                raise ValidationError(env._("Unknown contact channel %s.", match.group(1)))
        vals.update(self._cmr_parse_selection(form, "place", "cmr_preferred_place"))
        vals.update(self._cmr_parse_selection(form, "service_level", "cmr_service_level"))
        lang = form.get("lang")
        if lang:
            if lang not in dict(env["res.lang"].get_installed()):
                raise ValidationError(env._("Unknown language %s.", lang))
            vals["lang"] = lang
        tz = form.get("tz")
        if tz:
            if tz not in dict(self._fields["tz"]._description_selection(env)):
                raise ValidationError(env._("Unknown time zone %s.", tz))
            vals["tz"] = tz
        vals["cmr_channel_pref_ids"] = self._cmr_channel_commands(form, channels)
        vals["cmr_window_ids"] = self._cmr_window_commands(form)
        vals["cmr_quiet_day_ids"] = self._cmr_quiet_day_commands(form)
        vals["cmr_important_date_ids"] = self._cmr_important_date_commands(form)
        return vals

    def _cmr_parse_selection(self, form, key, field_name):
        value = form.get(key)
        if not value:
            return {field_name: False}
        allowed = dict(self._fields[field_name]._description_selection(self.env))
        if value not in allowed:
            raise ValidationError(
                self.env._(
                    "%(value)s is not a valid %(field)s.",
                    value=value,
                    field=self._fields[field_name]._description_string(self.env),
                )
            )
        return {field_name: value}

    def _cmr_parse_date(self, value, label):
        if not value:
            return False
        try:
            return fields.Date.to_date(value.strip())
        except ValueError as error:
            raise ValidationError(
                self.env._("%(label)s: %(value)s is not a date.", label=label, value=value)
            ) from error

    def _cmr_parse_int(self, value, label):
        value = (value or "").strip()
        if not value:
            return 0
        if not re.fullmatch(r"-?\d+", value):
            raise ValidationError(
                self.env._("%(label)s: %(value)s is not a number.", label=label, value=value)
            )
        number = int(value)
        if number < 0:
            raise ValidationError(
                self.env._("%(label)s cannot be negative.", label=label)
            )
        return number

    def _cmr_parse_hour(self, value, label):
        match = HOUR_PATTERN.match((value or "").strip())
        if not match:
            raise ValidationError(
                self.env._(
                    "%(label)s: %(value)s is not a time (HH:MM).", label=label, value=value
                )
            )
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours > 24 or minutes > 59 or (hours == 24 and minutes):
            raise ValidationError(
                self.env._(
                    "%(label)s: %(value)s is not a time of day.", label=label, value=value
                )
            )
        return hours + minutes / 60

    def _cmr_channel_commands(self, form, channels):
        existing = {pref.channel_id.id: pref for pref in self.cmr_channel_pref_ids}
        commands = []
        for channel in channels:
            prefix = f"channel_{channel.id}_"
            if not form.get(prefix + "accept"):
                if channel.id in existing:
                    commands.append(Command.unlink(existing[channel.id].id))
                continue
            values = {
                "channel_id": channel.id,
                "sequence": self._cmr_parse_int(
                    form.get(prefix + "rank"), self.env._("Rank of %s", channel.name)
                )
                or 10,
                "cap_week": self._cmr_parse_int(
                    form.get(prefix + "cap_week"),
                    self.env._("Weekly cap of %s", channel.name),
                ),
                "cap_month": self._cmr_parse_int(
                    form.get(prefix + "cap_month"),
                    self.env._("Monthly cap of %s", channel.name),
                ),
            }
            pref = existing.get(channel.id)
            if not pref:
                commands.append(Command.create(values))
            elif any(pref[name] != value for name, value in values.items() if name != "channel_id"):
                commands.append(Command.update(pref.id, values))
        return commands

    def _cmr_window_commands(self, form):
        wanted = set()
        weekdays = dict(self.env["cmr.contact.window"]._fields["weekday"].selection)
        index = 0
        while f"window_{index}_weekday" in form:
            prefix = f"window_{index}_"
            index += 1
            start, end = form.get(prefix + "from"), form.get(prefix + "to")
            if not (start or end):
                continue
            weekday = form.get(prefix + "weekday")
            if weekday not in weekdays:
                raise ValidationError(self.env._("Unknown weekday %s.", weekday))
            wanted.add(
                (
                    weekday,
                    self._cmr_parse_hour(start, self.env._("Window start")),
                    self._cmr_parse_hour(end, self.env._("Window end")),
                )
            )
        return self._cmr_sync_commands(
            self.cmr_window_ids,
            lambda w: (w.weekday, w.hour_from, w.hour_to),
            wanted,
            lambda key: {"weekday": key[0], "hour_from": key[1], "hour_to": key[2]},
        )

    def _cmr_quiet_day_commands(self, form):
        wanted = set()
        for line in (form.get("quiet_days") or "").splitlines():
            if line.strip():
                wanted.add(self._cmr_parse_date(line, self.env._("Quiet day")))
        return self._cmr_sync_commands(
            self.cmr_quiet_day_ids, lambda d: d.date, wanted, lambda key: {"date": key}
        )

    def _cmr_important_date_commands(self, form):
        wanted = set()
        index = 0
        while f"important_{index}_name" in form:
            prefix = f"important_{index}_"
            index += 1
            name = (form.get(prefix + "name") or "").strip()
            date = form.get(prefix + "date")
            if not (name or date):
                continue
            if not name or not date:
                raise ValidationError(
                    self.env._("An important date needs both an occasion and a date.")
                )
            wanted.add((name, self._cmr_parse_date(date, name)))
        return self._cmr_sync_commands(
            self.cmr_important_date_ids,
            lambda d: (d.name, d.date),
            wanted,
            lambda key: {"name": key[0], "date": key[1]},
        )

    @staticmethod
    def _cmr_sync_commands(lines, key_of, wanted, values_of):
        """Commands that turn ``lines`` into ``wanted``, touching only the
        lines that differ, so that the ledger records real changes only."""
        current = {key_of(line): line for line in lines}
        commands = [Command.unlink(line.id) for key, line in current.items() if key not in wanted]
        commands += [Command.create(values_of(key)) for key in sorted(wanted - current.keys())]
        return commands

    def _cmr_export_charter_csv(self):
        """The charter and its ledger as CSV rows (section, item, values…)."""
        data = self._cmr_export_charter()
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow(["section", "item", "value", "old_value", "date", "changed_by", "source"])
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
                    "", "", "", "",
                ]
            )
        for window in data["contact_windows"]:
            writer.writerow(["contact_window", "", window, "", "", "", ""])
        for day in data["quiet_days"]:
            writer.writerow(["quiet_day", "", day, "", "", "", ""])
        for important in data["important_dates"]:
            writer.writerow(["important_date", important["occasion"], important["date"], "", "", "", ""])
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
