"""The portal charter form (``/my/preferences``) parsed into the values of
the customer's ``res.partner``: the model only checks and logs them."""

import re

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from ..models.cmr_input_guard import shown
from .portal_form import parse_choice, parse_count, parse_date, parse_hour

# At most this many rows of each kind in one charter.
PORTAL_MAX_WINDOWS = 28
PORTAL_MAX_IMPORTANT_DATES = 20
PORTAL_MAX_QUIET_DAYS = 100


def charter_values(partner, form):
    env = partner.env
    interests = env["cmr.interest"].search([("active", "=", True)])
    topics = env["cmr.topic"].search([("active", "=", True)])
    channels = env["cmr.channel"].search([("active", "=", True)])
    vals = {
        "cmr_do_not_contact": bool(form.get("do_not_contact")),
        "cmr_interest_ids": [
            Command.set([i.id for i in interests if form.get(f"interest_{i.id}")])
        ],
        "cmr_topic_ids": [
            Command.set([t.id for t in topics if form.get(f"topic_{t.id}")])
        ],
        "cmr_gift_preference": (form.get("gift_preference") or "").strip() or False,
        "cmr_birthday": parse_date(env, form.get("birthday"), env._("Birthday")),
    }
    if vals["cmr_birthday"] and vals["cmr_birthday"] > fields.Date.context_today(
        partner
    ):
        raise ValidationError(env._("A birthday cannot be in the future."))
    known_channels = {str(c.id) for c in channels}
    for key in form:
        match = re.match(r"^channel_(\w+?)_", key)
        if match and match.group(1) not in known_channels:
            raise ValidationError(
                env._("Unknown contact channel %s.", shown(match.group(1)))
            )
    vals["cmr_preferred_place"] = parse_choice(
        env, partner, "cmr_preferred_place", form.get("place")
    )
    vals["cmr_service_level"] = parse_choice(
        env, partner, "cmr_service_level", form.get("service_level")
    )
    lang = form.get("lang")
    if lang:
        if lang not in dict(env["res.lang"].get_installed()):
            raise ValidationError(env._("Unknown language %s.", shown(lang)))
        vals["lang"] = lang
    tz = form.get("tz")
    if tz:
        if tz not in dict(partner._fields["tz"]._description_selection(env)):
            raise ValidationError(env._("Unknown time zone %s.", shown(tz)))
        vals["tz"] = tz
    vals["cmr_channel_pref_ids"] = _channel_commands(partner, form, channels)
    vals["cmr_window_ids"] = _window_commands(partner, form)
    vals["cmr_quiet_day_ids"] = _quiet_day_commands(partner, form)
    vals["cmr_important_date_ids"] = _important_date_commands(partner, form)
    return vals


def _channel_commands(partner, form, channels):
    env = partner.env
    existing = {pref.channel_id.id: pref for pref in partner.cmr_channel_pref_ids}
    commands = []
    for channel in channels:
        prefix = f"channel_{channel.id}_"
        if not form.get(prefix + "accept"):
            if channel.id in existing:
                commands.append(Command.unlink(existing[channel.id].id))
            continue
        values = {
            "channel_id": channel.id,
            "sequence": parse_count(
                env, form.get(prefix + "rank"), env._("Rank of %s", channel.name)
            )
            or 10,
            "cap_week": parse_count(
                env,
                form.get(prefix + "cap_week"),
                env._("Weekly cap of %s", channel.name),
            ),
            "cap_month": parse_count(
                env,
                form.get(prefix + "cap_month"),
                env._("Monthly cap of %s", channel.name),
            ),
        }
        pref = existing.get(channel.id)
        if not pref:
            commands.append(Command.create(values))
        elif any(
            pref[name] != value
            for name, value in values.items()
            if name != "channel_id"
        ):
            commands.append(Command.update(pref.id, values))
    return commands


def _window_commands(partner, form):
    env = partner.env
    wanted = set()
    weekdays = dict(env["cmr.contact.window"]._fields["weekday"].selection)
    index = 0
    while f"window_{index}_weekday" in form:
        prefix = f"window_{index}_"
        index += 1
        start, end = form.get(prefix + "from"), form.get(prefix + "to")
        if not (start or end):
            continue
        if len(wanted) >= PORTAL_MAX_WINDOWS:
            raise ValidationError(
                env._("At most %(count)s contact windows.", count=PORTAL_MAX_WINDOWS)
            )
        weekday = form.get(prefix + "weekday")
        if weekday not in weekdays:
            raise ValidationError(env._("Unknown weekday %s.", shown(weekday)))
        wanted.add(
            (
                weekday,
                parse_hour(env, start, env._("Window start")),
                parse_hour(env, end, env._("Window end")),
            )
        )
    return _sync_commands(
        partner.cmr_window_ids,
        lambda w: (w.weekday, w.hour_from, w.hour_to),
        wanted,
        lambda key: {"weekday": key[0], "hour_from": key[1], "hour_to": key[2]},
    )


def _quiet_day_commands(partner, form):
    env = partner.env
    wanted = set()
    kept = set(partner.cmr_quiet_day_ids.mapped("date"))
    today = fields.Date.context_today(partner)
    for line in (form.get("quiet_days") or "").splitlines():
        if not line.strip():
            continue
        if len(wanted) >= PORTAL_MAX_QUIET_DAYS:
            raise ValidationError(
                env._("At most %(count)s quiet days.", count=PORTAL_MAX_QUIET_DAYS)
            )
        day = parse_date(env, line, env._("Quiet day"))
        # A past day already in the charter may stay; a new one is a typo.
        if day < today and day not in kept:
            raise ValidationError(
                env._(
                    "Quiet day %(date)s is in the past.",
                    date=format_date(env, day),
                )
            )
        wanted.add(day)
    return _sync_commands(
        partner.cmr_quiet_day_ids, lambda d: d.date, wanted, lambda key: {"date": key}
    )


def _important_date_commands(partner, form):
    env = partner.env
    wanted = set()
    index = 0
    while f"important_{index}_name" in form:
        prefix = f"important_{index}_"
        index += 1
        name = (form.get(prefix + "name") or "").strip()
        date = form.get(prefix + "date")
        if not (name or date):
            continue
        if len(wanted) >= PORTAL_MAX_IMPORTANT_DATES:
            raise ValidationError(
                env._(
                    "At most %(count)s important dates.",
                    count=PORTAL_MAX_IMPORTANT_DATES,
                )
            )
        if not name or not date:
            raise ValidationError(
                env._("An important date needs both an occasion and a date.")
            )
        wanted.add((name, parse_date(env, date, name)))
    return _sync_commands(
        partner.cmr_important_date_ids,
        lambda d: (d.name, d.date),
        wanted,
        lambda key: {"name": key[0], "date": key[1]},
    )


def _sync_commands(lines, key_of, wanted, values_of):
    """Commands that turn ``lines`` into ``wanted``, touching only the
    lines that differ, so that the ledger records real changes only."""
    current = {key_of(line): line for line in lines}
    commands = [
        Command.unlink(line.id) for key, line in current.items() if key not in wanted
    ]
    commands += [
        Command.create(values_of(key)) for key in sorted(wanted - current.keys())
    ]
    return commands
