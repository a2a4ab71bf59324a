"""Parsing of the addon's portal forms, shared by every domain.

Controllers parse, models decide: a portal form is turned here into clean
values (or a translated ``ValidationError`` naming the bad input), and the
controller hands the values to the model inside a savepoint
(``apply_in_savepoint``), so that a refused post leaves nothing half-written.
"""

import re

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from ..models.cmr_input_guard import shown

HOUR_PATTERN = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")


def replica_unless(*params):
    """``readonly=`` of a page a form redirects to after a save, with one of
    ``params`` in that URL: that one view reads the primary database, where
    the change just saved is; every other view of the page may be served by
    a read replica (``db_replica_host``), which can lag behind."""

    def readonly(*_args):
        return not any(request.httprequest.args.get(param) for param in params)

    return readonly


def apply_in_savepoint(env, apply):
    """Run ``apply()`` in a savepoint, the one way every portal post of the
    addon is handled: ``(result, None)``, or ``(None, message)`` when the
    models refuse it, with everything it wrote rolled back.

    A refusal that must leave a trace once undone (a wrong card PIN counts
    towards the card's attempt limit) has an ``after_rollback()`` method,
    called after the rollback."""
    try:
        with env.cr.savepoint():
            return apply(), None
    except (UserError, ValidationError) as error:
        after_rollback = getattr(error, "after_rollback", None)
        if after_rollback:
            after_rollback()
        return None, error.args[0]


def parse_choice(env, record, field_name, value):
    """``value`` if it is one of the selection ``field_name``'s keys."""
    if not value:
        return False
    field = record._fields[field_name]
    if value not in dict(field._description_selection(env)):
        raise ValidationError(
            env._(
                "%(value)s is not a valid %(field)s.",
                value=shown(value),
                field=field._description_string(env),
            )
        )
    return value


def parse_date(env, value, label):
    if not value:
        return False
    try:
        date = fields.Date.to_date(value.strip()[:20])
    except ValueError:
        date = False
    if not date or not 1900 <= date.year <= 2200:
        raise ValidationError(
            env._(
                "%(label)s: %(value)s is not a date.",
                label=shown(label),
                value=shown(value),
            )
        )
    return date


def parse_count(env, value, label):
    value = (value or "").strip()
    if not value:
        return 0
    if not re.fullmatch(r"-?[0-9]{1,9}", value):
        raise ValidationError(
            env._(
                "%(label)s: %(value)s is not a number.",
                label=label,
                value=shown(value),
            )
        )
    number = int(value)
    if number < 0:
        raise ValidationError(env._("%(label)s cannot be negative.", label=label))
    return number


def parse_hour(env, value, label):
    match = HOUR_PATTERN.match((value or "").strip())
    if not match:
        raise ValidationError(
            env._(
                "%(label)s: %(value)s is not a time (HH:MM).",
                label=label,
                value=shown(value),
            )
        )
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValidationError(
            env._(
                "%(label)s: %(value)s is not a time of day.",
                label=label,
                value=shown(value),
            )
        )
    return hours + minutes / 60
